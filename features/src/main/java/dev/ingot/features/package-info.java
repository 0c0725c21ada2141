/** Ingot features module. */
package dev.ingot.features;
