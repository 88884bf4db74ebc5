package io.cashews.jackson2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
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

/** The Jackson 2 codec, from Java, the way a Java team stores its records. */
class Jackson2CodecTest {
    record Item(String sku, int quantity) {}

    record Order(long id, Instant placedAt, Duration window, LocalDate day, List<Item> items, Map<String, Instant> events) {}

    /** [Order] after a release renamed a field. */
    record RenamedOrder(long id, Instant createdAt, Duration window, LocalDate day, List<Item> items, Map<String, Instant> events) {}

    private static final Order ORDER = new Order(42, Instant.parse("2026-12-03T10:15:30.123456Z"), Duration.ofMinutes(90),
        LocalDate.of(2026, 12, 3), List.of(new Item("a-1", 2), new Item("b-2", 1)),
        Map.of("paid", Instant.parse("2026-12-03T10:16:00Z")));

    @Test
    void codecJacksonRoundTripsRecordsWithGenericFieldsAndJavaTime() {
        JavaCache jc = JavaCache.of(new Cache("mem://?codec=jackson2"));

        jc.set("order:42", ORDER, Duration.ofHours(1)).join();

        assertEquals(ORDER, jc.get("order:42", Order.class).join());
        String stored = new String((byte[]) jc.getRaw("order:42").join(), StandardCharsets.UTF_8);
        assertTrue(stored.contains("\"placedAt\":\"2026-12-03T10:15:30.123456Z\""), stored);
        assertTrue(stored.contains("\"items\":[{\"sku\":\"a-1\",\"quantity\":2}"), stored);
    }

    @Test
    void handlesStoreAndServeRecordsThroughTheCodec() {
        JavaCache jc = JavaCache.of(new Cache("mem://?codec=jackson2"));
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
        JsonMapper snakeCase = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
        Cache cache = new Cache();
        cache.setup("mem://", "", Map.of(), new Jackson2Codec(snakeCase));
        JavaCache jc = JavaCache.of(cache);

        jc.set("order:42", ORDER).join();

        assertEquals(ORDER, jc.get("order:42", Order.class).join());
        String stored = new String((byte[]) jc.getRaw("order:42").join(), StandardCharsets.UTF_8);
        assertTrue(stored.contains("\"placed_at\""), stored);
    }

    @Test
    void aValueOfAnotherShapeReadsAsAMissNotAsAWrongObject() {
        JavaCache jc = JavaCache.of(new Cache("mem://?codec=jackson2"));
        jc.set("order:42", ORDER).join();

        assertNull(jc.get("order:42", RenamedOrder.class).join());
        Jackson2Codec codec = new Jackson2Codec();
        assertNotEquals(codec.fingerprint(ValueType.of(Order.class)), codec.fingerprint(ValueType.of(RenamedOrder.class)));
        assertEquals(codec.fingerprint(ValueType.of(Order.class)), new Jackson2Codec().fingerprint(ValueType.of(Order.class)));
    }

    @Test
    void aCodecNamedInTheUrlMustMatchTheOneGiven() {
        SetupError error = assertThrows(SetupError.class, () ->
            new Cache().setup("mem://?codec=json", "", Map.of(), new Jackson2Codec()));
        assertTrue(error.getMessage().contains("'json' but the codec given is 'jackson2'"), error.getMessage());
        assertInstanceOf(Jackson2Codec.class, new Jackson2Codec());
    }
}
