package dev.ingot.training;

/**
 * A point of a ROC curve (false-positive rate, true-positive rate) or a precision-recall curve (recall, precision).
 *
 * @param x the horizontal coordinate, 0 to 1
 * @param y the vertical coordinate, 0 to 1
 */
public record CurvePoint(double x, double y) {}
