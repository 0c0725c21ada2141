/** Ingot's command line: {@code IngotMain}, run by spark-submit and {@code bin/ingot}. */
package dev.ingot.jobs;
