package io.cashews.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cashews.Cache;
import io.cashews.JavaCache;
import io.cashews.RemovalReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class JavaDiskTest {
    @Test
    void aDiskBackendBuiltFromJavaTellsItsRemovalListenerWhy() throws IOException {
        Path directory = Files.createTempDirectory("cashews-disk-java");
        List<String> told = new CopyOnWriteArrayList<>();
        Cache cache = new Cache();
        cache.setup(DiskBackend.of(directory, 2, 1L << 20, (key, bytes, reason) -> told.add(key + " " + reason)));
        JavaCache jc = JavaCache.of(cache);
        try {
            jc.set("user:1", "Ann", Duration.ofHours(1)).join();
            jc.set("user:1", "Bea", Duration.ofHours(1)).join();
            jc.delete("user:1").join();
            assertEquals(List.of("user:1 " + RemovalReason.REPLACED, "user:1 " + RemovalReason.EXPLICIT), told);
        } finally {
            cache.close();
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
