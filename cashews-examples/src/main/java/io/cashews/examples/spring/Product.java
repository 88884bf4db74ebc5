package io.cashews.examples.spring;

import java.math.BigDecimal;
import java.time.Instant;

/** A product of the catalogue: stored as JSON on Redis by the Jackson codec. */
public record Product(long id, String name, BigDecimal price, Instant updated) {}
