package org.latentfield.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.VectorRenderer;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.VectorSeries;
import org.jfree.data.xy.VectorSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.latentfield.LatentfieldException;

/**
 * PNG figures with JFreeChart, headless: line plots, overlaid histograms, scatter plots and
 * vector fields (arrows over a viridis heatmap of the magnitude). Sizes in pixels; every writer
 * fails with one sentence when the file cannot be written.
 */
public final class Figures {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 600;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Figures() {}

    /** One line per series: x values and y values of equal length. */
    public static void lines(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYSeriesCollection data = xy(series);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        write(png, chart(title, new XYPlot(data, axis(xLabel), axis(yLabel), renderer)));
    }

    /** Overlaid histograms (frequency per bin) of several score sets on common bins. */
    public static void histograms(Path png, String title, String xLabel, Map<String, double[]> series, int bins) {
        HistogramDataset data = new HistogramDataset();
        data.setType(HistogramType.RELATIVE_FREQUENCY);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] v : series.values()) {
            for (double x : v) {
                if (Double.isFinite(x)) {
                    lo = Math.min(lo, x);
                    hi = Math.max(hi, x);
                }
            }
        }
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        final double min = lo, max = hi;
        series.forEach((name, v) -> data.addSeries(name, java.util.Arrays.stream(v).filter(Double::isFinite).toArray(), bins, min, max));
        XYBarRenderer renderer = new XYBarRenderer();
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(false);
        renderer.setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
        XYPlot plot = new XYPlot(data, axis(xLabel), axis("share of samples"), renderer);
        plot.setForegroundAlpha(0.55f);
        write(png, chart(title, plot));
    }

    /** Points (x[i], y[i]) of one or more series. */
    public static void scatter(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYSeriesCollection data = xy(series);
        write(png, chart(title, new XYPlot(data, axis(xLabel), axis(yLabel), new XYLineAndShapeRenderer(false, true))));
    }

    /**
     * A vector field on a g x g grid: cell (i, j) at (xs[i], ys[j]) carries the vector
     * (u, v)[j * g + i]; a viridis heatmap of |(u, v)|, arrows scaled to the cell size, and the
     * points {@code marks} (e.g. attractors) in red.
     */
    public static void vectorField(Path png, String title, double[] xs, double[] ys, double[] u, double[] v, double[][] marks) {
        int g = xs.length;
        double cell = Math.abs(xs[Math.min(1, g - 1)] - xs[0]);
        double[][] heat = new double[3][g * g];
        double maxMag = 0;
        for (int j = 0; j < g; j++) {
            for (int i = 0; i < g; i++) {
                int c = j * g + i;
                heat[0][c] = xs[i];
                heat[1][c] = ys[j];
                heat[2][c] = Math.hypot(u[c], v[c]);
                maxMag = Math.max(maxMag, heat[2][c]);
            }
        }
        DefaultXYZDataset heatData = new DefaultXYZDataset();
        heatData.addSeries("|V|", heat);
        XYBlockRenderer blocks = new XYBlockRenderer();
        blocks.setBlockWidth(cell);
        blocks.setBlockHeight(cell);
        PaintScale scale = viridis(maxMag > 0 ? maxMag : 1);
        blocks.setPaintScale(scale);
        VectorSeries arrows = new VectorSeries("V(z) = f(z) - z");
        int stride = Math.max(1, g / 24);
        for (int j = 0; j < g; j += stride) {
            for (int i = 0; i < g; i += stride) {
                int c = j * g + i;
                double m = Math.hypot(u[c], v[c]);
                double s = m > 0 ? 0.9 * cell * stride / m : 0;
                arrows.add(xs[i], ys[j], u[c] * s, v[c] * s);
            }
        }
        VectorSeriesCollection arrowData = new VectorSeriesCollection();
        arrowData.addSeries(arrows);
        VectorRenderer arrowRenderer = new VectorRenderer();
        arrowRenderer.setSeriesPaint(0, Color.WHITE);
        XYPlot plot = new XYPlot(heatData, axis("z1"), axis("z2"), blocks);
        plot.setDataset(1, arrowData);
        plot.setRenderer(1, arrowRenderer);
        if (marks != null && marks[0].length > 0) {
            XYSeries m = new XYSeries("attractors", false);
            for (int i = 0; i < marks[0].length; i++) {
                m.add(marks[0][i], marks[1][i]);
            }
            XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
            dots.setSeriesPaint(0, Color.RED);
            dots.setSeriesShape(0, new java.awt.geom.Ellipse2D.Double(-5, -5, 10, 10));
            plot.setDataset(2, new XYSeriesCollection(m));
            plot.setRenderer(2, dots);
        }
        plot.setDatasetRenderingOrder(org.jfree.chart.plot.DatasetRenderingOrder.FORWARD);
        JFreeChart chart = chart(title, plot);
        NumberAxis legendAxis = new NumberAxis("|V(z)|");
        legendAxis.setRange(0, maxMag > 0 ? maxMag : 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        write(png, chart);
    }

    /**
     * A montage of images with values in [0, 1], each C x H x W in C order: one row per entry of
     * {@code rows}, each image scaled up by {@code scale}, with a label left of every row. Three
     * channels are drawn as RGB, one as grey, any other count as the grey mean over channels.
     */
    public static void montage(Path png, Map<String, float[][]> rows, int channels, int h, int w, int scale) {
        int cols = rows.values().stream().mapToInt(r -> r.length).max().orElse(1);
        int label = 260, pad = 4;
        int width = label + cols * (w * scale + pad) + pad, height = rows.size() * (h * scale + pad) + pad;
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(Math.max(width, 1), Math.max(height, 1),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font("SansSerif", Font.PLAIN, 13));
        int r = 0;
        for (var e : rows.entrySet()) {
            int y0 = pad + r * (h * scale + pad);
            g.drawString(e.getKey(), 6, y0 + h * scale / 2 + 5);
            float[][] images = e.getValue();
            for (int c = 0; c < images.length; c++) {
                int x0 = label + pad + c * (w * scale + pad);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        g.setColor(pixel(images[c], channels, h * w, y * w + x));
                        g.fillRect(x0 + x * scale, y0 + y * scale, scale, scale);
                    }
                }
            }
            r++;
        }
        g.dispose();
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            javax.imageio.ImageIO.write(img, "png", png.toFile());
        } catch (IOException e) {
            throw new LatentfieldException("figure " + png + " cannot be written: " + e.getMessage() + ".", e);
        }
    }

    /** The colour of pixel q of a C x (hw) planar image: RGB for three channels, else the grey mean. */
    private static Color pixel(float[] image, int channels, int hw, int q) {
        if (channels == 3) {
            return new Color(byteOf(image[q]), byteOf(image[hw + q]), byteOf(image[2 * hw + q]));
        }
        double sum = 0;
        for (int c = 0; c < channels; c++) {
            sum += image[c * hw + q];
        }
        int v = byteOf(sum / channels);
        return new Color(v, v, v);
    }

    private static int byteOf(double v) {
        return (int) Math.round(255 * Math.max(0, Math.min(1, v)));
    }

    /** The viridis colour map (matplotlib's, 9 anchors interpolated in RGB) on [0, max]. */
    static PaintScale viridis(double max) {
        int[][] anchors = {{68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
            {92, 200, 99}, {170, 220, 50}, {253, 231, 37}};
        LookupPaintScale scale = new LookupPaintScale(0, max, anchors[anchors.length - 1] == null ? Color.BLACK : new Color(253, 231, 37));
        int steps = 256;
        for (int s = 0; s < steps; s++) {
            double t = (double) s / (steps - 1) * (anchors.length - 1);
            int a = Math.min((int) t, anchors.length - 2);
            double f = t - a;
            Paint p = new Color((int) Math.round(anchors[a][0] + f * (anchors[a + 1][0] - anchors[a][0])),
                    (int) Math.round(anchors[a][1] + f * (anchors[a + 1][1] - anchors[a][1])),
                    (int) Math.round(anchors[a][2] + f * (anchors[a + 1][2] - anchors[a][2])));
            scale.add(max * s / steps, p);
        }
        return scale;
    }

    private static XYSeriesCollection xy(Map<String, double[][]> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, xy) -> {
            XYSeries s = new XYSeries(name, false);
            for (int i = 0; i < xy[0].length; i++) {
                s.add(xy[0][i], xy[1][i]);
            }
            data.addSeries(s);
        });
        return data;
    }

    private static NumberAxis axis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setAutoRangeIncludesZero(false);
        return a;
    }

    private static JFreeChart chart(String title, XYPlot plot) {
        JFreeChart c = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
        c.setBackgroundPaint(Color.WHITE);
        plot.setBackgroundPaint(new Color(245, 245, 245));
        return c;
    }

    private static void write(Path png, JFreeChart chart) {
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new LatentfieldException("figure " + png + " cannot be written: " + e.getMessage() + ".", e);
        }
    }
}
