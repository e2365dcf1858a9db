package org.latentfield.train;

import org.latentfield.LatentfieldException;

/**
 * Training settings; defaults are the paper's (PAPER.md section 3): Adam, lr 5e-4, weight decay
 * 1e-4 (added to the gradient, as torch.optim.Adam does), MSE reconstruction loss.
 *
 * @param epochs          passes over the training set
 * @param batchSize       images per optimizer step
 * @param lr              initial Adam learning rate
 * @param weightDecay     L2 penalty coefficient
 * @param seed            seeds parameter initialisation, minibatch order and input noise
 * @param lrStepEvery     step schedule: every this many epochs the learning rate is multiplied
 *                        by {@code lrGamma} (0: constant)
 * @param lrGamma         the factor of the step schedule, in (0, 1]
 * @param noiseStd        denoising: the input is x + N(0, noiseStd^2), the target x (0: plain)
 * @param checkpointEvery save a standalone TorchScript checkpoint every this many epochs (0: none)
 */
public record TrainOptions(int epochs, int batchSize, double lr, double weightDecay, long seed, int lrStepEvery, double lrGamma,
                           double noiseStd, int checkpointEvery) {
    public TrainOptions {
        if (epochs < 1) {
            throw new LatentfieldException("--epochs must be a positive integer, got " + epochs + ".");
        }
        if (batchSize < 1) {
            throw new LatentfieldException("--batch must be a positive integer, got " + batchSize + ".");
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new LatentfieldException("--lr must be a positive finite number, got " + lr + ".");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new LatentfieldException("--weight-decay must be finite and >= 0, got " + weightDecay + ".");
        }
        if (lrStepEvery < 0) {
            throw new LatentfieldException("--lr-step must be a non-negative integer, got " + lrStepEvery + ".");
        }
        if (!(lrGamma > 0 && lrGamma <= 1)) {
            throw new LatentfieldException("--lr-gamma must be in (0, 1], got " + lrGamma + ".");
        }
        if (!(noiseStd >= 0) || Double.isInfinite(noiseStd)) {
            throw new LatentfieldException("--noise-std must be finite and >= 0, got " + noiseStd + ".");
        }
        if (checkpointEvery < 0) {
            throw new LatentfieldException("--checkpoint-every must be a non-negative integer, got " + checkpointEvery + ".");
        }
    }

    /** Constant learning rate, no input noise, no checkpoints. */
    public TrainOptions(int epochs, int batchSize, double lr, double weightDecay, long seed) {
        this(epochs, batchSize, lr, weightDecay, seed, 0, 1.0, 0.0, 0);
    }

    /** The learning rate during epoch e (1-based) under the step schedule: lr * gamma^floor((e - 1) / step). */
    public double lrAt(int epoch) {
        return lrStepEvery == 0 ? lr : lr * Math.pow(lrGamma, (epoch - 1) / lrStepEvery);
    }
}
