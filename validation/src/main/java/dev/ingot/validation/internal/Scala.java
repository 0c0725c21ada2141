package dev.ingot.validation.internal;

import java.util.List;
import scala.Option;
import scala.collection.JavaConverters;

/** The few conversions needed to call Deequ's Scala API from Java; nothing here leaves the internal package. */
final class Scala {
    private Scala() {}

    static <T> Option<T> none() {
        return Option.empty();
    }

    static <T> Option<T> some(T value) {
        return Option.apply(value);
    }

    static <T> scala.collection.immutable.List<T> list(List<T> values) {
        return JavaConverters.asScalaBuffer(values).toList();
    }

    static <T> List<T> java(scala.collection.Seq<T> values) {
        return JavaConverters.seqAsJavaList(values);
    }
}
