package org.latentfield.train;

/** One epoch of training: mean train MSE over its minibatches and the test MSE after it. */
public record EpochRecord(int epoch, double trainMse, double testMse, double seconds) {}
