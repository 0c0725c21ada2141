/** Ingot scoring module. */
package dev.ingot.scoring;
