package io.cashews.java;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Virtual threads when the test JVM has them (Java 21+), found by reflection because the library and its tests
 * compile for Java 17; platform threads otherwise.
 */
final class VirtualThreads {
    static final boolean AVAILABLE = method(Executors.class, "newVirtualThreadPerTaskExecutor") != null;

    private VirtualThreads() {
    }

    static ExecutorService executor() {
        if (!AVAILABLE) return Executors.newCachedThreadPool();
        try {
            return (ExecutorService) method(Executors.class, "newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static Thread start(Runnable task) {
        if (!AVAILABLE) {
            Thread thread = new Thread(task);
            thread.start();
            return thread;
        }
        try {
            return (Thread) method(Thread.class, "startVirtualThread", Runnable.class).invoke(null, task);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isVirtual(Thread thread) {
        try {
            return (boolean) method(Thread.class, "isVirtual").invoke(thread);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Method method(Class<?> owner, String name, Class<?>... parameters) {
        try {
            return owner.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
