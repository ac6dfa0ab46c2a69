package dev.reacher.server;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The server's stdout appender ({@code logback-server.xml}): the same lines as logback's
 * ConsoleAppender, but written by one writer thread that gathers them, so that under load many lines
 * leave in one {@code write(2)} instead of one call each under the appender's lock (the request log
 * line was 5–16 % of a request's CPU, issue 12). The caller only formats its line and queues it.
 *
 * <p>When idle, the writer is woken by the first line and writes it at once; under load it writes
 * whatever came in during the last {@value #GATHER_MILLIS} ms. At JVM exit the queue is written and
 * later lines are written on the caller's thread, so the last lines ("stopped") are not lost.
 */
public final class BatchingStdoutAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    static final int GATHER_MILLIS = 5;
    private static final int MAX_WRITE = 64 * 1024;

    private Encoder<ILoggingEvent> encoder;
    private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writerParked = new AtomicBoolean();
    private final Object writing = new Object();
    private final ByteArrayOutputStream batch = new ByteArrayOutputStream(8192);
    private volatile boolean direct;
    private Thread writer;
    private Thread exitHook;

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    @Override
    public void start() {
        if (encoder == null) {
            addError("no encoder for appender " + name);
            return;
        }
        writer = Thread.ofPlatform().daemon().name("stdout-log-writer").unstarted(this::writeLoop);
        exitHook = new Thread(this::writeDirectFromNowOn, "stdout-log-flush");
        Runtime.getRuntime().addShutdownHook(exitHook);
        super.start();
        writer.start();
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        writer.interrupt();
        writeQueued();
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException alreadyExiting) {
            // the hook is running or ran
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] line = encoder.encode(event);
        if (direct) {
            synchronized (writing) {
                writeQueuedLocked();
                write(line, line.length);
            }
            return;
        }
        queue.add(line);
        if (writerParked.compareAndSet(true, false)) {
            LockSupport.unpark(writer);
        }
    }

    private void writeLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            writeQueued();
            LockSupport.parkNanos(GATHER_MILLIS * 1_000_000L);
            if (queue.isEmpty()) {
                writerParked.set(true);
                if (queue.isEmpty()) {
                    LockSupport.park(); // until append unparks it (or a spurious wake-up: harmless)
                }
                writerParked.set(false);
            }
        }
    }

    private void writeDirectFromNowOn() {
        direct = true;
        writeQueued();
    }

    private void writeQueued() {
        synchronized (writing) {
            writeQueuedLocked();
        }
    }

    private void writeQueuedLocked() {
        byte[] line;
        while ((line = queue.poll()) != null) {
            batch.writeBytes(line);
            if (batch.size() >= MAX_WRITE) {
                flushBatch();
            }
        }
        flushBatch();
    }

    private void flushBatch() {
        if (batch.size() > 0) {
            PrintStream out = System.out;
            try {
                batch.writeTo(out);
            } catch (java.io.IOException e) {
                addError("cannot write to stdout", e); // PrintStream does not throw: not reached
            }
            out.flush();
            batch.reset();
        }
    }

    /** To {@code System.out} as it is now, as ConsoleAppender does (a test or a wrapper may replace it). */
    private static void write(byte[] bytes, int length) {
        PrintStream out = System.out;
        out.write(bytes, 0, length);
        out.flush();
    }
}
