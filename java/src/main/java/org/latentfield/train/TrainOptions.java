package org.latentfield.train;

import org.latentfield.LatentfieldException;

/**
 * Training settings; defaults are the paper's (PAPER.md section 3): Adam, lr 5e-4, weight decay
 * 1e-4 (added to the gradient, as torch.optim.Adam does), MSE reconstruction loss.
 *
 * @param epochs      passes over the training set
 * @param batchSize   images per optimizer step
 * @param lr          Adam learning rate
 * @param weightDecay L2 penalty coefficient
 * @param seed        seeds parameter initialisation and minibatch order
 */
public record TrainOptions(int epochs, int batchSize, double lr, double weightDecay, long seed) {
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
    }
}
