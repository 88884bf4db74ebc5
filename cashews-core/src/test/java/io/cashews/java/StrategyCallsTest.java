package io.cashews.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cashews.Cache;
import io.cashews.CachingPolicy;
import io.cashews.JavaCache;
import io.cashews.SetCondition;
import io.cashews.SetupError;
import io.cashews.ValueCodec;
import io.cashews.ValueType;
import java.lang.reflect.ParameterizedType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A built strategy for calls that name their own key, and the pieces the Spring face builds on. */
class StrategyCallsTest {
    private final JavaCache jc = JavaCache.of(new Cache("mem://?size=1000"));

    /** A generic type as a Java caller reads it from reflection. */
    @SuppressWarnings("unused")
    private List<String> names;

    @Test
    void callsReadThePolicyOnceAndRenderTagsFromTheirArguments() {
        CachedBuilder<String> builder = jc.cached(String.class).ttl("1h").tags("user:{id}");
        StrategyCalls<String> users = builder.calls();
        builder.ttl("1s").tags("other");
        AtomicInteger loads = new AtomicInteger();

        assertEquals("ann", users.get("user:1", Map.of("id", 1), () -> CompletableFuture.completedFuture("ann" + "")).join());
        assertEquals("ann", users.getBlocking("user:1", Map.of("id", 1), () -> "bob" + loads.incrementAndGet()));
        assertEquals(0, loads.get(), "a hit does not load");
        assertEquals(List.of("user:{id}"), ((CachingPolicy) users.getPolicy()).getTags(), "later settings do not reach it");

        jc.deleteTags(List.of("user:1")).join();
        assertEquals("bob1", users.getBlocking("user:1", Map.of("id", 1), () -> "bob" + loads.incrementAndGet()));
        assertEquals(true, users.invalidate("user:1").join());
        assertNull(jc.get("user:1", String.class).join());
    }

    @Test
    void callsOfObjectValuesNeverAnswerAMissAsAValue() {
        StrategyCalls<Object> anything = jc.cached(Object.class).ttl("1h").calls();
        assertEquals("loaded", anything.get("k", () -> CompletableFuture.completedFuture("loaded")).join());
        assertEquals("loaded", anything.get("k", () -> CompletableFuture.completedFuture("again")).join());
        assertEquals(42L, anything.getBlocking("other", () -> 42L));
    }

    @Test
    void aValueTypeOfAGenericJavaTypeKeepsItsArguments() throws NoSuchFieldException {
        ParameterizedType listOfStrings = (ParameterizedType) getClass().getDeclaredField("names").getGenericType();
        ValueType type = ValueType.of(listOfStrings);
        assertEquals(List.class, type.getJavaClass());
        assertEquals(listOfStrings, type.getGenericType());
        assertEquals(type, ValueType.of(listOfStrings));
        assertThrows(IllegalArgumentException.class, () -> jc.cached(String.class).ttl("1h").calls(ValueType.of(Integer.class)));
    }

    @Test
    void codecsAreFoundByTheNameASetupUrlGivesThem() {
        assertEquals("json", ValueCodec.named("JSON").getName());
        SetupError unknown = assertThrows(SetupError.class, () -> ValueCodec.named("nope"));
        assertEquals(true, unknown.getMessage().contains("'nope'"));
        assertInstanceOf(SetupError.class, assertThrows(SetupError.class, () -> ValueCodec.named("jackson")));
    }

    @Test
    void aWriteCanDeclareItsValueType() {
        JavaCache bytes = JavaCache.of(new Cache("mem://?codec=json"));
        assertEquals(true, bytes.set("n", "text", ValueType.of(String.class), null, SetCondition.ALWAYS, List.of("t")).join());
        assertEquals("text", bytes.get("n", String.class).join());
        bytes.deleteTags(List.of("t")).join();
        assertNull(bytes.get("n", String.class).join());
    }
}
