package io.cashews.spring.boot.bad;

import io.cashews.RateLimitError;
import io.cashews.spring.Cached;
import io.cashews.spring.RateLimit;

/** Beans whose cashews annotations cannot work, each for one test of {@code BadConfigurationTest}. */
public final class BadBeans {
    private BadBeans() {}

    public static class BadTtl {
        @Cached(ttl = "3 fortnights", key = "user:{id}")
        public String load(long id) {
            return "user " + id;
        }
    }

    public static class UnknownPlaceholder {
        @Cached(ttl = "1h", key = "user:{userId}")
        public String load(long id) {
            return "user " + id;
        }
    }

    public static class PrivateMethod {
        @Cached(ttl = "1h", key = "user:{id}")
        private String load(long id) {
            return "user " + id;
        }

        public String call(long id) {
            return load(id);
        }
    }

    public static class FinalMethod {
        @Cached(ttl = "1h", key = "user:{id}")
        public final String load(long id) {
            return "user " + id;
        }
    }

    public static class MissingAction {
        @RateLimit(limit = 1, period = "1m", action = "refused")
        public String search(String query) {
            return query;
        }

        public String refused(RateLimitError error) {
            return "refused";
        }
    }

    public static class TwoStrategies {
        @Cached(ttl = "1h")
        @RateLimit(limit = 1, period = "1m")
        public String search(String query) {
            return query;
        }
    }

    public static class NothingToCache {
        @Cached(ttl = "1h")
        public void touch(String query) {}
    }
}
