/** Ingot validation module. */
package dev.ingot.validation;
