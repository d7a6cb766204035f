// The video canvas and layout shared by the render plan and the subtitle files: size, frame rate, where the product image goes.

export const WIDTH = 1080;
export const HEIGHT = 1920;
export const FPS = 30;
/** Where the product image is drawn (the brand and price go below it). */
export const IMAGE_BOX = { w: 960, h: 900, y: 250 };
