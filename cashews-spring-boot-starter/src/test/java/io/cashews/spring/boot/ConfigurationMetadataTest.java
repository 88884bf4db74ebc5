package io.cashews.spring.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The starter ships configuration metadata, so IDEs complete cashews.* properties with descriptions and defaults. */
class ConfigurationMetadataTest {
    @Test
    void everyPropertyHasADescriptionAndTheDefaultsAreThere() throws IOException {
        JsonNode metadata;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertNotNull(in, "no configuration metadata on the classpath");
            metadata = JsonMapper.builder().build().readTree(in);
        }
        Map<String, JsonNode> properties = new HashMap<>();
        for (JsonNode property : metadata.get("properties")) {
            String name = property.get("name").asString();
            if (name.startsWith("cashews.")) properties.put(name, property);
        }
        for (String name : new String[] {
            "cashews.enabled", "cashews.setup", "cashews.backends", "cashews.secret", "cashews.codec",
            "cashews.trusted-packages", "cashews.record-stats", "cashews.cache-manager.enabled",
            "cashews.cache-manager.dynamic", "cashews.cache-manager.default-ttl", "cashews.caches",
            "cashews.metrics.enabled", "cashews.metrics.name", "cashews.metrics.time-commands",
            "cashews.metrics.time-one-in"}) {
            JsonNode property = properties.get(name);
            assertNotNull(property, name + " is not in the metadata");
            assertFalse(property.path("description").asString("").isBlank(), name + " has no description");
        }
        assertEquals("mem://", properties.get("cashews.setup").get("defaultValue").asString());
        assertEquals("1h", properties.get("cashews.cache-manager.default-ttl").get("defaultValue").asString());
        assertEquals("jackson", properties.get("cashews.codec").get("defaultValue").asString());
    }
}
