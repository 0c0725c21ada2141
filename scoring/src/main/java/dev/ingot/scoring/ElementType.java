package dev.ingot.scoring;

import java.util.Locale;

/** The element types of the model inputs Ingot can fill from table columns. */
public enum ElementType {
    /** 32-bit float: numeric and boolean columns are converted; a null is NaN. */
    FLOAT,
    /** 64-bit float: numeric and boolean columns; a null is NaN. */
    DOUBLE,
    /** 64-bit integer: integral and boolean columns; a null cannot be passed. */
    INT64,
    /** Text: string columns; a null is passed as the empty string. */
    STRING;

    /** As ONNX writes it ({@code float}, {@code int64}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
