package io.cashews.spring.boot;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cashews.spring.boot.bad.BadBeans;
import io.cashews.spring.boot.bad.BadConfigurationApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Misconfiguration stops the application at startup, with a message that names the method or the property. */
class BadConfigurationTest {
    private static Throwable startFails(Class<?> bean, String... properties) {
        return assertThrows(Throwable.class, () -> {
            ConfigurableApplicationContext started = new SpringApplicationBuilder(BadConfigurationApplication.class, bean)
                .web(WebApplicationType.NONE)
                .properties(properties)
                .properties("spring.main.banner-mode=off")
                .run();
            started.close();
            throw new AssertionError("the application started");
        });
    }

    private static void assertMessage(Throwable failure, String... parts) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) messages.append(t.getMessage()).append('\n');
        for (String part : parts) {
            assertTrue(messages.toString().contains(part), "no '" + part + "' in:\n" + messages);
        }
    }

    @Test
    void aBadTtlNamesTheMethodAndTheValue() {
        assertMessage(startFails(BadBeans.BadTtl.class), "@Cached on io.cashews.spring.boot.bad.BadBeans$BadTtl.load(long)", "3 fortnights");
    }

    @Test
    void anUnknownPlaceholderNamesTheMethodAndThePlaceholder() {
        assertMessage(startFails(BadBeans.UnknownPlaceholder.class), "UnknownPlaceholder.load(long)", "userId");
    }

    @Test
    void aPrivateMethodCannotBeProxied() {
        assertMessage(startFails(BadBeans.PrivateMethod.class), "PrivateMethod.load(long)", "the method is private");
    }

    @Test
    void aFinalMethodCannotBeProxied() {
        assertMessage(startFails(BadBeans.FinalMethod.class), "FinalMethod.load(long)", "the method is final");
    }

    @Test
    void aRateLimitActionMustTakeTheMethodsParametersAndTheError() {
        assertMessage(startFails(BadBeans.MissingAction.class), "@RateLimit on", "MissingAction.search(String)", "'refused'", "(String, RateLimitError)");
    }

    @Test
    void aMethodTakesOneCashewsAnnotation() {
        assertMessage(startFails(BadBeans.TwoStrategies.class), "TwoStrategies.search(String)", "@Cached, @RateLimit");
    }

    @Test
    void aVoidMethodHasNothingToCache() {
        assertMessage(startFails(BadBeans.NothingToCache.class), "NothingToCache.touch(String)", "returns nothing");
    }

    @Test
    void anUnknownBackendSchemeNamesTheProperty() {
        assertMessage(startFails(BadBeans.BadTtl.class, "cashews.setup=bogus://127.0.0.1"), "bogus");
    }

    @Test
    void anUnknownCodecNamesIt() {
        assertMessage(startFails(BadBeans.BadTtl.class, "cashews.setup=redis://127.0.0.1:1", "cashews.codec=nope"), "'nope'");
    }

    @Test
    void theSecretIsNeverInTheMessage() {
        Throwable failure = startFails(BadBeans.BadTtl.class, "cashews.setup=bogus://127.0.0.1", "cashews.secret=hunter2-secret");
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertTrue(t.getMessage() == null || !t.getMessage().contains("hunter2-secret"), t.getMessage());
        }
    }
}
