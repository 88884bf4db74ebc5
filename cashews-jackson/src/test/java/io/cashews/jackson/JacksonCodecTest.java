package io.cashews.jackson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.Cache;
import io.cashews.JavaCache;
import io.cashews.SetupError;
import io.cashews.ValueType;
import io.cashews.java.CachedFunction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/** The Jackson 3 codec, from Java, the way a Java team stores its records. */
class JacksonCodecTest {
    record Item(String sku, int quantity) {}

    record Order(long id, Instant placedAt, Duration window, LocalDate day, List<Item> items, Map<String, Instant> events) {}

    /** [Order] after a release renamed a field. */
    record RenamedOrder(long id, Instant createdAt, Duration window, LocalDate day, List<Item> items, Map<String, Instant> events) {}

    private static final Order ORDER = new Order(42, Instant.parse("2026-12-03T10:15:30.123456Z"), Duration.ofMinutes(90),
        LocalDate.of(2026, 12, 3), List.of(new Item("a-1", 2), new Item("b-2", 1)),
        Map.of("paid", Instant.parse("2026-12-03T10:16:00Z")));

    @Test
    void codecJacksonRoundTripsRecordsWithGenericFieldsAndJavaTime() {
        JavaCache jc = JavaCache.of(new Cache("mem://?codec=jackson"));

        jc.set("order:42", ORDER, Duration.ofHours(1)).join();

        assertEquals(ORDER, jc.get("order:42", Order.class).join());
        String stored = new String((byte[]) jc.getRaw("order:42").join(), StandardCharsets.UTF_8);
        assertTrue(stored.contains("\"placedAt\":\"2026-12-03T10:15:30.123456Z\""), stored);
        assertTrue(stored.contains("\"items\":[{\"sku\":\"a-1\",\"quantity\":2}"), stored);
    }

    @Test
    void handlesStoreAndServeRecordsThroughTheCodec() {
        JavaCache jc = JavaCache.of(new Cache("mem://?codec=jackson"));
        AtomicInteger loads = new AtomicInteger();
        CachedFunction<Long, Order> orders = jc.cached(Order.class).ttl("1h").key("order:{id}")
            .build(id -> {
                loads.incrementAndGet();
                return CompletableFuture.completedFuture(ORDER);
            });

        assertEquals(ORDER, orders.apply(42L).join());
        assertEquals(ORDER, orders.apply(42L).join());
        assertEquals(1, loads.get());
    }

    @Test
    void theApplicationsMapperCanBeGiven() {
        JsonMapper snakeCase = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        Cache cache = new Cache();
        cache.setup("mem://", "", Map.of(), new JacksonCodec(snakeCase));
        JavaCache jc = JavaCache.of(cache);

        jc.set("order:42", ORDER).join();

        assertEquals(ORDER, jc.get("order:42", Order.class).join());
        String stored = new String((byte[]) jc.getRaw("order:42").join(), StandardCharsets.UTF_8);
        assertTrue(stored.contains("\"placed_at\""), stored);
    }

    @Test
    void aValueOfAnotherShapeReadsAsAMissNotAsAWrongObject() {
        JavaCache jc = JavaCache.of(new Cache("mem://?codec=jackson"));
        jc.set("order:42", ORDER).join();

        assertNull(jc.get("order:42", RenamedOrder.class).join());
        JacksonCodec codec = new JacksonCodec();
        assertNotEquals(codec.fingerprint(ValueType.of(Order.class)), codec.fingerprint(ValueType.of(RenamedOrder.class)));
        assertEquals(codec.fingerprint(ValueType.of(Order.class)), new JacksonCodec().fingerprint(ValueType.of(Order.class)));
    }

    @Test
    void aCodecNamedInTheUrlMustMatchTheOneGiven() {
        SetupError error = assertThrows(SetupError.class, () ->
            new Cache().setup("mem://?codec=json", "", Map.of(), new JacksonCodec()));
        assertTrue(error.getMessage().contains("'json' but the codec given is 'jackson'"), error.getMessage());
        assertInstanceOf(JacksonCodec.class, new JacksonCodec());
    }
}
