package io.cashews.bench;

import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** Where each benchmark thread is in its workload's keys: a random start, so threads do not read in lockstep. */
@State(Scope.Thread)
public class ThreadIndex {
    int index = ThreadLocalRandom.current().nextInt();
}
