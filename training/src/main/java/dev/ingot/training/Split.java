package dev.ingot.training;

import dev.ingot.core.Errors;
import java.time.Instant;
import java.util.Optional;

/**
 * The out-of-time split of a training set by the spine's event time. With {@code end} the latest event time, the test
 * window is {@code (testStart, end]}, the validation window {@code (validationStart, testStart]}, and training is every
 * row at or before {@code trainEnd} (the validation start, or the test start without a validation window).
 *
 * @param trainStart the earliest event time of a training row
 * @param trainEnd the latest event time a training row may have
 * @param validationStart the exclusive start of the validation window, when there is one
 * @param testStart the exclusive start of the test window
 * @param end the latest event time in the training set
 * @param trainRows rows trained on
 * @param validationRows rows of the validation window (0 without one)
 * @param testRows rows evaluated on
 * @param droppedRows rows left out because their label or event time is null
 */
public record Split(
        Instant trainStart,
        Instant trainEnd,
        Optional<Instant> validationStart,
        Instant testStart,
        Instant end,
        long trainRows,
        long validationRows,
        long testRows,
        long droppedRows) {
    public Split {
        Errors.required(trainStart, "Split.trainStart");
        Errors.required(trainEnd, "Split.trainEnd");
        Errors.required(validationStart, "Split.validationStart");
        Errors.required(testStart, "Split.testStart");
        Errors.required(end, "Split.end");
    }
}
