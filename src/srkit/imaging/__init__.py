"""Image I/O, colour conversion and MATLAB-exact resizing."""
from srkit.imaging.color import rgb_to_y, rgb_to_ycbcr, y_of, ycbcr_to_rgb
from srkit.imaging.io import MAX_PIXELS, Picture, read_image, write_image
from srkit.imaging.resize import imresize

__all__ = ["MAX_PIXELS", "Picture", "imresize", "read_image", "rgb_to_y", "rgb_to_ycbcr",
           "write_image", "y_of", "ycbcr_to_rgb"]
