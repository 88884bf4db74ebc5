package io.cashews.spring.boot.shop;

import java.time.Instant;
import java.util.List;

/** A product as the shop stores it: a record with a list and a java.time field, as JSON on Redis. */
public record Product(long id, String name, List<String> labels, Instant updated) {}
