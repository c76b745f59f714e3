package dev.autoscaler.common.bus;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cluster connection's commands behind the one-server interfaces the services are written against. Lettuce's
 * cluster commands ({@code RedisAdvancedClusterCommands}) share their command interfaces (hashes, strings, streams,
 * scripting, pub/sub ...) with {@code RedisCommands}, with the same signatures; each call is forwarded to the method
 * of the same name and parameters, which routes it by its key's slot (a SCAN walks every node). What a cluster lacks
 * (MULTI/EXEC, SELECT) fails with {@link UnsupportedOperationException}; the services use none of it.
 */
final class ClusterCommands {
    private static final Map<Method, Optional<Method>> FORWARDS = new ConcurrentHashMap<>();

    private ClusterCommands() {}

    static RedisCommands<String, String> sync(StatefulRedisClusterConnection<String, String> c) {
        return forward(RedisCommands.class, c.sync());
    }

    static RedisAsyncCommands<String, String> async(StatefulRedisClusterConnection<String, String> c) {
        return forward(RedisAsyncCommands.class, c.async());
    }

    @SuppressWarnings("unchecked")
    private static <T> T forward(Class<?> iface, Object target) {
        return (T) Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, (proxy, m, args) -> {
            Method to = FORWARDS.computeIfAbsent(m, k -> find(target.getClass(), k)).orElseThrow(() ->
                    new UnsupportedOperationException(m.getName() + " is not available on a Redis Cluster connection"));
            try {
                return to.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private static Optional<Method> find(Class<?> on, Method m) {
        try {
            return Optional.of(on.getMethod(m.getName(), m.getParameterTypes()));
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }
}
