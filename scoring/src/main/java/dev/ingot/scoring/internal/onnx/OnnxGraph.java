package dev.ingot.scoring.internal.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small, mutable builder of one ONNX graph, over the protobuf classes of {@code tribuo-util-onnx}
 * ({@code ai.onnx.proto.OnnxMl}). Every converter of a pipeline stage adds nodes to the same graph and passes value
 * names (plain strings) between stages.
 *
 * <p>Why not tribuo's own {@code ONNXContext}: its operator list is a fixed enum without the {@code ai.onnx.ml}
 * opset-5 {@code TreeEnsemble} and it assumes float tensors, while exact parity with Spark needs doubles.
 *
 * <pre>{@code
 * OnnxGraph g = new OnnxGraph("fraud");
 * String x = g.input("amount", OnnxGraph.DOUBLE, -1, 1);
 * String two = g.constant("two", new double[] {2.0});
 * String y = g.node("Mul", x, two);
 * g.output(y, "doubled", OnnxGraph.DOUBLE, -1, 1);
 * byte[] model = g.toModel(Map.of("ingot.features", "[\"amount\"]"));
 * }</pre>
 */
public final class OnnxGraph {
    /** Element type of double tensors. */
    public static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;
    /** Element type of float tensors. */
    public static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    /** Element type of int64 tensors. */
    public static final int INT64 = TensorProto.DataType.INT64_VALUE;
    /** Element type of string tensors. */
    public static final int STRING = TensorProto.DataType.STRING_VALUE;
    /** Element type of bool tensors. */
    public static final int BOOL = TensorProto.DataType.BOOL_VALUE;

    /** The default operator set's version (ONNX 1.16+; ONNX Runtime 1.23 runs it). */
    public static final int OPSET = 21;
    /** The {@code ai.onnx.ml} operator set's version: 5 has {@code TreeEnsemble}, which keeps double inputs. */
    public static final int ML_OPSET = 5;
    /** The domain of the traditional-ML operators. */
    public static final String ML = "ai.onnx.ml";

    /** How many models {@link #toModel} built in this JVM: a conversion builds one (tests count conversions). */
    private static final java.util.concurrent.atomic.AtomicLong BUILT = new java.util.concurrent.atomic.AtomicLong();

    private final String name;
    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private final Set<String> reserved = new HashSet<>();
    private int counter;

    /** An empty graph called {@code name}. */
    public OnnxGraph(String name) {
        this.name = name;
        graph.setName(name);
    }

    /** A value name not used yet, starting with {@code hint}. */
    public String fresh(String hint) {
        String base = hint.isEmpty() ? "v" : hint;
        String n = base;
        while (reserved.contains(n) || !names.add(n)) {
            n = base + "_" + (++counter);
        }
        return n;
    }

    /**
     * Keeps {@code name} for a later {@link #input}: {@link #fresh} never returns it. For inputs declared as they are
     * first needed, after other values got their names.
     */
    public void reserve(String name) {
        reserved.add(name);
    }

    /**
     * Declares a graph input and returns its name (exactly {@code name}: inputs are what callers bind columns to).
     *
     * @param dims the shape; -1 for a dimension of unknown size (the batch)
     */
    public String input(String name, int elemType, long... dims) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("ONNX value name '" + name + "' is used twice");
        }
        graph.addInput(valueInfo(name, elemType, dims));
        return name;
    }

    /** Declares {@code value} as a graph output called {@code outName} (through an Identity when the names differ). */
    public void output(String value, String outName, int elemType, long... dims) {
        String out = value;
        if (!value.equals(outName)) {
            if (!names.add(outName)) {
                throw new IllegalArgumentException("ONNX value name '" + outName + "' is used twice");
            }
            graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity").setName(fresh("Identity"))
                    .addInput(value).addOutput(outName));
            out = outName;
        }
        graph.addOutput(valueInfo(out, elemType, dims));
    }

    /** A double initializer of shape {@code dims} (a 1-D tensor of {@code values.length} when no dims are given). */
    public String constant(String hint, double[] values, long... dims) {
        TensorProto.Builder t = tensor(fresh(hint), DOUBLE, values.length, dims);
        Arrays.stream(values).forEach(t::addDoubleData);
        graph.addInitializer(t);
        return t.getName();
    }

    /** A float initializer. */
    public String constant(String hint, float[] values, long... dims) {
        TensorProto.Builder t = tensor(fresh(hint), FLOAT, values.length, dims);
        for (float v : values) {
            t.addFloatData(v);
        }
        graph.addInitializer(t);
        return t.getName();
    }

    /** An int64 initializer. */
    public String constant(String hint, long[] values, long... dims) {
        TensorProto.Builder t = tensor(fresh(hint), INT64, values.length, dims);
        Arrays.stream(values).forEach(t::addInt64Data);
        graph.addInitializer(t);
        return t.getName();
    }

    /** A string initializer. */
    public String constant(String hint, String[] values, long... dims) {
        TensorProto.Builder t = tensor(fresh(hint), STRING, values.length, dims);
        for (String v : values) {
            t.addStringData(ByteString.copyFrom(v, StandardCharsets.UTF_8));
        }
        graph.addInitializer(t);
        return t.getName();
    }

    /** Adds a node of the default domain with one output and no attributes; returns the output's name. */
    public String node(String opType, String... inputs) {
        return node(opType, "", List.of(inputs), 1, List.of()).get(0);
    }

    /** Adds a node of the default domain with one output; returns the output's name. */
    public String node(String opType, List<String> inputs, List<AttributeProto> attributes) {
        return node(opType, "", inputs, 1, attributes).get(0);
    }

    /**
     * Adds a node and returns the names of its {@code outputs} outputs (fresh names derived from the op type).
     *
     * @param domain "" for the default domain, {@link #ML} for {@code ai.onnx.ml}
     * @param inputs value names; "" for an optional input left out
     */
    public List<String> node(String opType, String domain, List<String> inputs, int outputs,
                             List<AttributeProto> attributes) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(opType).setDomain(domain)
                .setName(fresh(opType)).addAllInput(inputs).addAllAttribute(attributes);
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            String o = fresh(opType.toLowerCase(java.util.Locale.ROOT) + "_out");
            outs.add(o);
            n.addOutput(o);
        }
        graph.addNode(n);
        return List.copyOf(outs);
    }

    /** The model: this graph with both operator sets imported and {@code metadata} as its metadata_props. */
    public byte[] toModel(Map<String, String> metadata) {
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(10) // ONNX 1.16's IR; ONNX Runtime 1.23 reads up to 11
                .setProducerName("ingot").setGraph(graph.clone())
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(ML).setVersion(ML_OPSET));
        new LinkedHashMap<>(metadata).forEach((k, v) ->
                m.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        BUILT.incrementAndGet();
        return m.build().toByteArray();
    }

    /** How many models this JVM's graphs have built so far (one per pipeline converted). */
    public static long modelsBuilt() {
        return BUILT.get();
    }

    /**
     * A serialized model with one metadata entry set (replacing an entry of the same key, else added last), the graph
     * untouched: a run id stamped on a model converted before the run existed, without converting it again.
     *
     * @throws IllegalArgumentException when {@code model} is not a serialized ONNX model
     */
    public static byte[] withMetadata(byte[] model, String key, String value) {
        OnnxMl.ModelProto.Builder m;
        try {
            m = OnnxMl.ModelProto.parseFrom(model).toBuilder();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a serialized ONNX model: " + e.getMessage(), e);
        }
        OnnxMl.StringStringEntryProto entry = OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
        for (int i = 0; i < m.getMetadataPropsCount(); i++) {
            if (m.getMetadataProps(i).getKey().equals(key)) {
                return m.setMetadataProps(i, entry).build().toByteArray();
            }
        }
        return m.addMetadataProps(entry).build().toByteArray();
    }

    /** The graph's name. */
    public String name() {
        return name;
    }

    // ---- attributes ----

    /** An int attribute. */
    public static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** A float attribute. */
    public static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /** A string attribute. */
    public static AttributeProto attr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFrom(value, StandardCharsets.UTF_8)).build();
    }

    /** An ints attribute. */
    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        Arrays.stream(values).forEach(a::addInts);
        return a.build();
    }

    /** A floats attribute. */
    public static AttributeProto floats(String name, float... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOATS);
        for (float v : values) {
            a.addFloats(v);
        }
        return a.build();
    }

    /** A strings attribute. */
    public static AttributeProto strings(String name, String... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        for (String v : values) {
            a.addStrings(ByteString.copyFrom(v, StandardCharsets.UTF_8));
        }
        return a.build();
    }

    /** A tensor attribute holding doubles (as opset-5 {@code TreeEnsemble}'s {@code nodes_splits} and {@code leaf_weights}). */
    public static AttributeProto tensor(String name, double... values) {
        TensorProto.Builder t = tensor("", DOUBLE, values.length);
        Arrays.stream(values).forEach(t::addDoubleData);
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    /** A tensor attribute holding uint8 values (as opset-5 {@code TreeEnsemble}'s {@code nodes_modes}). */
    public static AttributeProto uint8Tensor(String name, int... values) {
        TensorProto.Builder t = tensor("", TensorProto.DataType.UINT8_VALUE, values.length);
        for (int v : values) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException(name + ": " + v + " is not a uint8");
            }
            t.addInt32Data(v); // ONNX stores uint8 tensors in int32_data
        }
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    // ---- helpers ----

    private static TensorProto.Builder tensor(String name, int elemType, int count, long... dims) {
        long[] shape = dims.length == 0 ? new long[] {count} : dims;
        long size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (size != count) {
            throw new IllegalArgumentException("tensor " + name + ": " + count + " values for shape " + Arrays.toString(shape));
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(elemType);
        Arrays.stream(shape).forEach(t::addDims);
        return t;
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, int elemType, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d < 0) {
                dim.setDimParam("N");
            } else {
                dim.setDimValue(d);
            }
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }
}
