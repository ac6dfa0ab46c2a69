package dev.reacher.server.testing;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The machine's real PostgreSQL (127.0.0.1:5432, database {@code test}, trust auth) and RabbitMQ
 * (127.0.0.1:5672, guest/guest), started by {@code scripts/services-up.sh}. Each test class works
 * in a schema or queue of its own.
 */
public final class Services {
    public static final String POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";
    public static final String RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672";

    private Services() {}

    private static boolean startAttempted;

    /**
     * Makes sure PostgreSQL is up, starting it with {@code scripts/services-up.sh} if needed; fails
     * the test (never skips it) when that does not work.
     */
    public static void requirePostgres() {
        require(5432, "PostgreSQL");
    }

    public static void requireRabbitmq() {
        require(5672, "RabbitMQ");
    }

    private static synchronized void require(int port, String name) {
        if (listening(port)) {
            return;
        }
        if (!startAttempted) {
            startAttempted = true;
            Path script = Path.of("..", "scripts", "services-up.sh");
            try {
                Process p = new ProcessBuilder("bash", script.toString()).inheritIO().start();
                p.waitFor(180, TimeUnit.SECONDS);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot run " + script.toAbsolutePath(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!listening(port)) {
            throw new IllegalStateException(name + " is not listening on 127.0.0.1:" + port
                    + " and scripts/services-up.sh could not start it");
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A fresh, empty schema name for one test class, dropped first if a previous run left it. */
    public static String freshSchema(String prefix) {
        String schema = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        dropSchema(schema);
        return schema;
    }

    public static void dropSchema(String schema) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
                Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void execute(String schema, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
                Statement st = c.createStatement()) {
            if (schema != null) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                st.execute("SET search_path TO " + schema);
            }
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static long queryLong(String schema, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
                Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            try (var rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Deletes a test's task queue with everything the server declares beside it: the dead-letter
     * queue and the delay queues of tasks waiting for proxy budget.
     */
    public static void deleteQueues(String queue) {
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        try {
            f.setUri(RABBITMQ_URL);
            try (var conn = f.newConnection(); var ch = conn.createChannel()) {
                ch.queueDelete(queue);
                ch.queueDelete(queue + ".dead");
                for (java.time.Duration step : dev.reacher.server.queue.RabbitTaskQueue.WAIT_STEPS) {
                    ch.queueDelete(dev.reacher.server.queue.RabbitTaskQueue.waitQueueName(queue, step));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("deleting test queue " + queue, e);
        }
    }

    /** A queue name of its own for one test class. */
    public static String freshQueue(String prefix) {
        return prefix + "." + UUID.randomUUID().toString().substring(0, 8);
    }
}
