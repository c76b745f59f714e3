package dev.autoscaler.app;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed number of workers with a bounded FIFO wait. Requests beyond the queue bound are refused at once
 * (HTTP 503) instead of piling up without limit, like a real server's accept queue.
 */
public final class WorkerPool {
    private final Semaphore workers;
    private final int maxQueue;
    private final AtomicInteger waiting = new AtomicInteger();

    public WorkerPool(int workers, int maxQueue) {
        this.workers = new Semaphore(workers, true);
        this.maxQueue = maxQueue;
    }

    /** Runs the task on a worker; false if the queue is full and the request was refused. */
    public boolean run(Runnable task) throws InterruptedException {
        if (waiting.incrementAndGet() > maxQueue + workers.availablePermits()) {
            waiting.decrementAndGet();
            return false;
        }
        try {
            workers.acquire();
        } finally {
            waiting.decrementAndGet();
        }
        try {
            task.run();
            return true;
        } finally {
            workers.release();
        }
    }

    public int queued() {
        return Math.max(0, workers.getQueueLength());
    }

    public int busy(int total) {
        return total - workers.availablePermits();
    }
}
