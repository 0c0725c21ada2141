package dev.ingot.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The slf4j trap (STACK.md): an slf4j-api 1.x on the class path silently turns every Spark log line off. */
class LoggingTest {
    @Test
    void slf4jIsBoundToLog4j2SoSparkLogsAppear() {
        assertThat(LoggerFactory.getILoggerFactory().getClass().getName())
                .as("slf4j must reach log4j2, not the no-op logger")
                .isEqualTo("org.apache.logging.slf4j.Log4jLoggerFactory");
        assertThat(LoggerFactory.getLogger("org.apache.spark.SparkContext").isWarnEnabled()).isTrue();
    }
}
