package dev.ingot.training;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;

/**
 * A tiny HTTP server for the failure cases a real MLflow server cannot be made to show on demand (an HTML login page,
 * a refused token, a 503): it answers the n-th request (from 0) with what {@code answer} says, and records what it
 * received.
 */
public final class FakeHttpServer implements AutoCloseable {
    /** One canned answer. */
    public record Answer(int status, String contentType, String body) {}

    /** What one request carried. */
    public record Received(String method, String path, String authorization) {}

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    /** Starts on 127.0.0.1 and a free port. */
    public FakeHttpServer(IntFunction<Answer> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            int n = received.size();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Authorization")));
            exchange.getRequestBody().readAllBytes();
            Answer a = answer.apply(n);
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", a.contentType());
            exchange.sendResponseHeaders(a.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request so far, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
