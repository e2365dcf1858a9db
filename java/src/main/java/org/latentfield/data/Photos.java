package org.latentfield.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.latentfield.LatentfieldException;

/**
 * {@code photos}: 3 x 32 x 32 colour crops of 38 real photographs (natural scenes, plants,
 * animals, landscapes, objects, textures) shipped in Debian main packages:
 * mate-backgrounds (12, GPL-2+), lomiri-wallpapers-16.04 (14, CC-BY-4.0 / CC-BY-SA-4.0 / CC0),
 * plasma-workspace-wallpapers (10, GPL-2+) and python3-sklearn's two sample images (CC-BY-2.0).
 * Wallpapers that are drawings or renderings, and greyscale ones, are left out.
 *
 * <p>Split by photograph: the photographs at positions i % 5 == 4 of {@link #PHOTOS} (7) are the
 * test split, the other 31 the train split, so no test crop shares a photograph with a training
 * crop. Each photograph gives {@link #RECIPE}'s crops (short sides 64, 128 and 256 by area
 * averaging, 300 random 32 x 32 crops per scale, mirrored with probability 1/2, seed 1): 27,900
 * train and 6,300 test crops; an item's label is its photograph's index in {@link #PHOTOS}.
 */
public final class Photos {
    /** Overrides the file-system root the photographs' paths are resolved against. */
    public static final String ENV = "LATENTFIELD_PHOTOS";
    public static final Path DEFAULT_ROOT = Path.of("/");
    public static final PhotoCrops RECIPE = new PhotoCrops(32, new int[] {64, 128, 256}, 300, 1);

    /** A photograph: the Debian package that installs it and its path relative to the root. */
    public record Photo(String debianPackage, String path) {}

    public static final List<Photo> PHOTOS = manifest();

    private Photos() {}

    /** The root from {@link #ENV}, else {@link #DEFAULT_ROOT}. */
    public static Path defaultRoot() {
        String r = System.getenv(ENV);
        return r != null ? Path.of(r) : DEFAULT_ROOT;
    }

    /** The photographs of a split ("train" or "test"), in {@link #PHOTOS} order. */
    public static List<Photo> split(String split) {
        boolean test = switch (split) {
            case "train" -> false;
            case "test" -> true;
            default -> throw new LatentfieldException("photos has splits train and test, not '" + split + "'.");
        };
        return IntStream.range(0, PHOTOS.size()).filter(i -> (i % 5 == 4) == test).mapToObj(PHOTOS::get).toList();
    }

    /** The crops of a split, photographs read under {@code root}; labels index {@link #PHOTOS}. */
    public static ImageSet load(Path root, String split) {
        List<Photo> photos = split(split);
        List<Path> files = new ArrayList<>();
        Set<String> missing = new LinkedHashSet<>();
        for (Photo p : photos) {
            Path f = root.resolve(p.path());
            files.add(f);
            if (!Files.isRegularFile(f)) {
                missing.add(p.debianPackage());
            }
        }
        if (!missing.isEmpty()) {
            throw new LatentfieldException("the photos data set needs photographs missing under " + root + "; install them with: apt-get install "
                    + String.join(" ", missing) + " (or set $" + ENV + " to a root that holds their usr/ paths).");
        }
        ImageSet crops = RECIPE.cut(files, photos.stream().map(Photo::path).toList(), "photos:" + split);
        int[] labels = crops.labels().clone();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = PHOTOS.indexOf(photos.get(labels[i]));
        }
        return new ImageSet(crops.name(), crops.count(), crops.shape(), crops.pixels(), labels);
    }

    private static List<Photo> manifest() {
        List<Photo> m = new ArrayList<>();
        for (String f : List.of("china.jpg", "flower.jpg")) {
            m.add(new Photo("python3-sklearn", "usr/lib/python3/dist-packages/sklearn/datasets/images/" + f));
        }
        for (String f : List.of("Bridge_by_Sander_Klootwijk", "Dragonfly_by_Bolly", "Picture_0B_by_freespace", "Picture_1A_by_freespace",
                "Wine_by_Jakkub_Mede", "aitzgorri_by_Aitzol_Berasategi", "analogpattern_by_Peter_Nerlich", "free_by_Peter_Nerlich",
                "friends_by_Aitzol_Berasategi", "greentock_by_Peter_Nerlich", "life_by_Aitzol_Berasategi",
                "picosdeeuropa_by_Aitzol_Berasategi", "seeding_by_Clements_Engelhardt", "sunset_by_Aitzol_Berasategi")) {
            m.add(new Photo("lomiri-wallpapers-16.04", "usr/share/backgrounds/" + f + ".jpg"));
        }
        for (String f : List.of("Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "LadyBird", "RainDrops", "Storm",
                "TwoWings", "Wood", "YellowFlower")) {
            m.add(new Photo("mate-backgrounds", "usr/share/backgrounds/mate/nature/" + f + ".jpg"));
        }
        for (String f : List.of("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Kite",
                "OneStandsOut", "Path", "summer_1am")) {
            m.add(new Photo("plasma-workspace-wallpapers", "usr/share/wallpapers/" + f + "/contents/images/2560x1600.jpg"));
        }
        return List.copyOf(m);
    }
}
