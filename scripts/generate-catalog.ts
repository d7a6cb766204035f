/**
 * Generates src/providers/catalog/bundled-catalog.json, the offline catalog the
 * app ranks when no real product feed is configured.
 *
 * Run: npx tsx scripts/generate-catalog.ts
 *
 * The output is committed, so the generator is fully deterministic (fixed seed,
 * no Date/Math.random): re-running it must produce a byte-identical file unless
 * the lists below change. Brands and authors are invented on purpose, so the
 * made-up ratings, prices and ASINs are never mistaken for data about real
 * products; the product lines are modelled on typical Amazon best-seller listings
 * so titles read like real listings.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalogProductSchema, type CatalogProduct } from '../src/domain/product.js';

const OUTPUT = fileURLToPath(new URL('../src/providers/catalog/bundled-catalog.json', import.meta.url));
const SEED = 0x5eed_ca7a;

/** mulberry32: tiny, fast, and good enough for sample data; stable across Node versions. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * One product line; each variant becomes its own listing (as on Amazon, where
 * colours and pack sizes often have separate ASINs with their own reviews and rank).
 */
interface Line {
  brand: string;
  name: string;
  price: [number, number];
  variants?: string[];
  /** Overrides the category's commission rate (e.g. TVs or luxury beauty). */
  rate?: number;
  /**
   * Variants are listed smallest first (pack sizes, capacities, paperback before
   * hardcover), so each gets its own slice of the price range and a 2-pack never
   * costs less than a 1-pack.
   */
  tiered?: boolean;
}

interface Category {
  name: string;
  /** Amazon Associates-style standard rate for the category. */
  rate: number;
  /** Books put the format in parentheses and the author last, as Amazon does. */
  titleStyle?: 'book';
  lines: Line[];
}

const l = (brand: string, name: string, price: [number, number], variants?: string[], rate?: number): Line => ({
  brand,
  name,
  price,
  variants,
  rate,
});
/** A line whose variants are ordered by size/format; see Line.tiered. */
const t = (brand: string, name: string, price: [number, number], variants: string[], rate?: number): Line => ({
  ...l(brand, name, price, variants, rate),
  tiered: true,
});

const CATEGORIES: Category[] = [
  {
    name: 'Electronics',
    rate: 0.04,
    lines: [
      l('Voltix', 'PowerCore Slim 10000mAh Portable Charger, USB-C Power Bank with 20W Fast Charging', [19.99, 29.99], ['Black', 'White', 'Blue']),
      l('Voltix', '65W USB-C GaN Charger, 3-Port Compact Fast Wall Charger for Laptops and Phones', [29.99, 45.99]),
      l(
        'Soundara',
        'Wireless Earbuds, Bluetooth 5.3 Headphones with Active Noise Cancelling, 40H Playtime, IPX5 Waterproof',
        [29.99, 59.99],
        ['Black', 'White'],
        0.03,
      ),
      l(
        'Soundara',
        'Over-Ear Noise Cancelling Headphones with Hi-Res Audio, 60-Hour Battery, Multipoint Connection',
        [79.99, 149.99],
        ['Midnight Black', 'Silver'],
        0.03,
      ),
      l('Soundara', 'Portable Bluetooth Speaker, IP67 Waterproof, 24H Playtime, Deep Bass', [39.99, 79.99], ['Black', 'Teal', 'Red'], 0.03),
      l('Lumiq', '4K Streaming Media Stick with Voice Remote, Dolby Vision, HDR10+', [29.99, 49.99]),
      l('Lumiq', '55-Inch Class 4K UHD Smart TV with HDR and Built-In Streaming Apps', [299.99, 449.99], undefined, 0.02),
      l('Nexora', '27-Inch QHD IPS Gaming Monitor, 165Hz, 1ms, Adaptive Sync, Height-Adjustable Stand', [179.99, 279.99], undefined, 0.025),
      t('Nexora', 'NVMe M.2 Internal SSD, PCIe Gen4, Up to 7000MB/s', [59.99, 129.99], ['1TB', '2TB'], 0.025),
      t('Cablecraft', 'USB-C to USB-C Cable 100W, Nylon Braided Fast Charging Cord', [9.99, 15.99], ['3ft 2-Pack', '6ft 2-Pack', '10ft 2-Pack']),
      t('Homesync', 'Smart Plug with Energy Monitoring, Works with Alexa and Google Home, 2.4GHz Wi-Fi', [14.99, 29.99], ['2-Pack', '4-Pack']),
      t('Orbitcam', '2K Indoor Security Camera, 360-Degree Pan/Tilt, Night Vision, Two-Way Audio, Motion Tracking', [24.99, 39.99], ['1-Pack', '2-Pack']),
      l('Keyforge', 'Mechanical Gaming Keyboard, RGB Backlit, Hot-Swappable, 75% Layout', [49.99, 89.99], ['Brown Switches', 'Red Switches'], 0.025),
      l('Pointwise', 'Wireless Ergonomic Mouse, Silent Click, 4000 DPI, Rechargeable, Bluetooth and 2.4GHz', [19.99, 39.99], ['Graphite', 'Pale Gray']),
    ],
  },
  {
    name: 'Home & Kitchen',
    rate: 0.03,
    lines: [
      l(
        'Kitchora',
        '6-Quart Air Fryer with Digital Touchscreen, 8 Presets, Nonstick Dishwasher-Safe Basket',
        [69.99, 119.99],
        ['Black', 'Stainless Steel'],
        0.045,
      ),
      l('Kitchora', '12-Cup Programmable Coffee Maker with Thermal Carafe and Auto Shutoff', [49.99, 89.99], undefined, 0.045),
      l('Kitchora', 'Electric Gooseneck Kettle with Temperature Control, 0.9L, Stainless Steel', [39.99, 69.99], ['Matte Black', 'Brushed Steel'], 0.045),
      t('Ironhearth', 'Pre-Seasoned Cast Iron Skillet, Oven Safe with Helper Handle', [19.99, 39.99], ['10-Inch', '12-Inch'], 0.045),
      l('Ironhearth', 'Enameled Cast Iron Dutch Oven with Lid, 6 Quart', [59.99, 99.99], ['Cerise', 'Marine Blue', 'Sage'], 0.045),
      l('Bladewright', '15-Piece Kitchen Knife Set with Block, German High-Carbon Stainless Steel', [79.99, 149.99], undefined, 0.045),
      t('Freshvault', 'Glass Food Storage Containers with Locking Lids, Leakproof, Microwave and Oven Safe', [29.99, 44.99], ['18-Piece', '24-Piece'], 0.045),
      l('Blendmaster', '1200W Professional Countertop Blender with 72 oz Pitcher, 6 Speeds', [69.99, 129.99], undefined, 0.045),
      l('Dwellwise', 'Bamboo Drawer Organizer, Expandable Cutlery Tray with 7 Compartments', [21.99, 32.99], undefined, 0.045),
      l('Cozyloom', 'Queen Size Sheet Set, Brushed Microfiber, Deep Pocket, Wrinkle Resistant, 4 Piece', [24.99, 39.99], ['White', 'Gray', 'Navy']),
      l('Cozyloom', 'Weighted Blanket, 15 lbs, 60 x 80 Inches, Cooling Breathable Glass Beads', [39.99, 69.99], ['Gray', 'Navy']),
      l('Purelane', 'HEPA Air Purifier for Bedroom, Covers up to 1,100 sq ft, Quiet Sleep Mode', [89.99, 199.99]),
      l('Lumenhaus', 'LED Floor Lamp, Dimmable with Remote, 3 Color Temperatures, Modern Standing Lamp', [39.99, 69.99], ['Black', 'White']),
      l('Spinclean', 'Cordless Stick Vacuum, 25kPa Suction, 45 Min Runtime, Lightweight for Pet Hair', [99.99, 189.99]),
    ],
  },
  {
    name: 'Beauty & Personal Care',
    rate: 0.03,
    lines: [
      l('Dermaluxe', 'Hyaluronic Acid Serum for Face, Fragrance-Free Hydrating Serum, 2 fl oz', [12.99, 21.99]),
      l('Dermaluxe', 'Retinol Night Cream, Anti-Aging Moisturizer with Peptides, 1.7 oz', [18.99, 29.99]),
      t('Sunveil', 'Mineral Sunscreen SPF 50, Broad Spectrum, Reef-Friendly, 3 fl oz', [11.99, 17.99], ['1-Pack', '2-Pack']),
      l('Maison Verelle', 'Revitalizing Eye Cream with Caffeine and Vitamin C, 0.5 oz', [68, 98], undefined, 0.1),
      t('Maison Verelle', 'Eau de Parfum Spray for Women, Floral Amber', [85, 145], ['1.7 fl oz', '3.4 fl oz'], 0.1),
      l('Aurelle Paris', 'Bond-Building Repair Hair Mask, Professional Treatment, 6.8 fl oz', [38, 58], undefined, 0.1),
      l('Silkara', 'Ionic Hair Dryer, 1875W with Diffuser and Concentrator, Fast Drying', [39.99, 79.99], ['Rose Gold', 'Black']),
      l('Silkara', '1-Inch Ceramic Flat Iron with Adjustable Temperature, Dual Voltage', [29.99, 59.99]),
      l('Groomwell', "Men's Electric Razor, Wet and Dry Rotary Shaver with Pop-Up Trimmer", [49.99, 89.99]),
      l('Groomwell', 'Beard Trimmer Kit, Cordless with 20 Length Settings, USB-C Rechargeable', [29.99, 49.99]),
      t('Petalcare', 'Vitamin C Brightening Facial Cleanser, Gentle Foaming Face Wash, 6 fl oz', [9.99, 14.99], ['1-Pack', '3-Pack']),
      l('Lushline', 'Volumizing Mascara, Smudge-Proof and Clump-Free, Waterproof', [7.99, 12.99], ['Black', 'Brown Black']),
      l('Oralux', 'Sonic Electric Toothbrush with 4 Modes, 2-Minute Timer, 8 Brush Heads', [24.99, 49.99], ['White', 'Black']),
    ],
  },
  {
    name: 'Sports & Outdoors',
    rate: 0.03,
    lines: [
      l('Trailcrest', 'Insulated Stainless Steel Water Bottle with Straw Lid, 32 oz', [19.99, 34.99], ['Black', 'Seafoam', 'Stone']),
      l('Trailcrest', 'Ultralight Backpacking Tent, 2-Person, Waterproof with Rainfly', [89.99, 169.99]),
      l('Trailcrest', 'Sleeping Bag, 20 Degree 3-Season, Lightweight Mummy Style for Adults', [39.99, 79.99]),
      t('Flexcore', 'Adjustable Dumbbells, 5-52.5 lbs with Quick-Select Dial', [199.99, 329.99], ['Single', 'Pair']),
      l('Flexcore', 'Non-Slip Yoga Mat, 6mm Thick with Carrying Strap', [19.99, 34.99], ['Purple', 'Black', 'Teal']),
      l('Flexcore', 'Resistance Bands Set with Handles, Door Anchor and Ankle Straps, 5 Levels', [19.99, 29.99]),
      l('Flexcore', 'High-Density Foam Roller for Deep Tissue Muscle Massage, 18 Inch', [14.99, 29.99]),
      l('Summitline', 'Collapsible Trekking Poles, Aluminum with Cork Grips, 2-Pack', [29.99, 49.99]),
      l('Ridgeway', 'Double Camping Hammock with Tree Straps, Lightweight Parachute Nylon', [19.99, 34.99], ['Forest Green', 'Charcoal']),
      l('Pedalforce', 'Bike Phone Mount, 360-Degree Rotation, Shockproof Handlebar Holder', [14.99, 24.99]),
      l('Courtside', 'Official Size Indoor/Outdoor Basketball, Composite Leather, 29.5 Inch', [19.99, 34.99]),
      l('Emberpeak', 'Portable Propane Camping Stove, 2-Burner with Wind Panels', [59.99, 99.99]),
      l('Tidewater', 'Inflatable Stand Up Paddle Board with Pump, Paddle and Backpack, 10 ft 6 in', [249.99, 399.99]),
    ],
  },
  {
    name: 'Toys & Games',
    rate: 0.03,
    lines: [
      l('Brickwise', 'Creative Building Bricks Set, 1000 Pieces with Storage Box', [29.99, 49.99]),
      l('Brickwise', 'City Fire Station Building Kit, 540 Pieces, Ages 6+', [49.99, 79.99]),
      t('Playnest', 'Magnetic Tiles Building Set, STEM Toy for Kids 3+', [39.99, 69.99], ['60 Pieces', '100 Pieces']),
      l('Playnest', 'Wooden Play Kitchen with Realistic Sounds and Lights', [89.99, 149.99]),
      l('Gamehaven', 'Family Strategy Board Game, 2-4 Players, Ages 10+', [24.99, 44.99]),
      l('Gamehaven', 'Party Card Game for Adults, 500 Cards', [19.99, 29.99]),
      l('Puzzlecraft', '1000-Piece Jigsaw Puzzle for Adults', [14.99, 22.99], ['Mountain Lake', 'Autumn Village', 'Coastal Lighthouse']),
      l('Zoomtrax', 'Remote Control Car, 1:16 Scale 4WD Off-Road Monster Truck, 25 km/h', [34.99, 59.99]),
      l('Zoomtrax', 'Mini Drone for Kids with HD Camera, Altitude Hold, One-Key Takeoff', [39.99, 69.99]),
      l('Gamehaven', 'Classic Chess and Checkers Set with Folding Wooden Board', [24.99, 39.99]),
      l('Cuddlebee', 'Plush Stuffed Animal, 12 Inch Soft Toy', [12.99, 24.99], ['Bunny', 'Bear', 'Dinosaur']),
      l('Artsy Cub', 'Kids Washable Art Set, 150 Pieces with Crayons, Markers and Easel Case', [24.99, 39.99]),
      l('Scibright', 'Crystal Growing Science Kit for Kids, 10 Experiments', [19.99, 29.99]),
    ],
  },
  {
    name: 'Health & Household',
    rate: 0.01,
    lines: [
      l('Vitacore', 'Vitamin D3 5000 IU Softgels, 360 Count', [9.99, 17.99]),
      l('Vitacore', 'Magnesium Glycinate 400mg Capsules, 180 Count', [14.99, 24.99]),
      l('Nutripeak', 'Whey Protein Powder, 25g Protein per Serving, 5 lbs', [39.99, 64.99], ['Chocolate', 'Vanilla', 'Cookies and Cream']),
      l('Omegawell', 'Omega-3 Fish Oil 2000mg, Lemon Flavor, 120 Softgels', [19.99, 32.99]),
      l('Restwell', 'Melatonin 5mg Gummies, Strawberry, 120 Count', [9.99, 15.99]),
      l('Probiona', 'Daily Probiotic for Women, 50 Billion CFU, 30 Capsules', [21.99, 34.99]),
      l('Clearpath', 'Digital Forehead Thermometer, Non-Contact Infrared for Adults and Kids', [19.99, 34.99]),
      l('Clearpath', 'Upper Arm Blood Pressure Monitor with Large Cuff and Backlit Display', [29.99, 49.99]),
      l('Clearpath', 'Fingertip Pulse Oximeter with Lanyard and Carrying Case', [14.99, 24.99]),
      l('Freshwave', 'Disinfecting Wipes, Lemon Scent, 3 Canisters of 80', [11.99, 17.99]),
      l('Vitacore', 'Adult Multivitamin Gummies, 150 Count', [12.99, 21.99]),
      l('Brightfold', 'Ultra Soft Toilet Paper, Mega Rolls, 24 Count', [22.99, 34.99]),
      l('Brightfold', 'Paper Towels, Select-A-Size, 12 Double Rolls', [24.99, 36.99]),
      l('Freshwave', 'Laundry Detergent Pods, Free and Clear, 81 Count', [17.99, 27.99]),
      l('Greenhaven', 'Plant-Based Dish Soap Concentrate, 22 fl oz, 3-Pack', [9.99, 15.99], ['Lemon Verbena', 'Unscented']),
    ],
  },
  {
    name: 'Pet Supplies',
    rate: 0.03,
    lines: [
      t('Pawfect', 'Orthopedic Dog Bed with Removable Washable Cover', [39.99, 89.99], ['Medium', 'Large', 'X-Large']),
      l('Pawfect', 'No-Pull Dog Harness with Front Clip, Reflective, Adjustable', [19.99, 29.99], ['Small', 'Medium', 'Large']),
      l('Pawfect', 'Retractable Dog Leash, 16 ft Tangle-Free', [14.99, 24.99]),
      l('Pawfect', 'Deshedding Brush for Dogs and Cats, Self-Cleaning', [12.99, 19.99]),
      l('Whiskerly', 'Cat Tree Tower with Scratching Posts, Condo and Hammock, 54 Inch', [49.99, 89.99]),
      l('Whiskerly', 'Clumping Cat Litter, Unscented, 40 lb', [19.99, 29.99]),
      l('Whiskerly', 'Automatic Cat Feeder with Timer, 4L, Dual Power Supply', [49.99, 79.99]),
      l('Whiskerly', 'Pet Water Fountain, 2.5L Ultra-Quiet with Replacement Filters', [24.99, 39.99]),
      t('Barkbright', 'Dental Chews for Dogs, 30 Count', [17.99, 29.99], ['Small', 'Medium', 'Large']),
      l('Barkbright', 'Grain-Free Dry Dog Food, Salmon and Sweet Potato, 24 lb Bag', [49.99, 74.99]),
      l('Whiskerly', 'Interactive Cat Toy, Automatic Feather Teaser', [14.99, 24.99]),
      l('Aquaverde', 'Aquarium Starter Kit with LED Lighting and Filter, 20 Gallon', [79.99, 129.99]),
      l('Fetchline', 'Durable Chew Toys for Aggressive Chewers, 4-Pack', [14.99, 24.99]),
    ],
  },
  {
    name: 'Office Products',
    rate: 0.04,
    lines: [
      l('Inkwell', 'Retractable Gel Pens, 0.7mm Medium Point, Assorted Colors, 24-Pack', [11.99, 18.99]),
      l('Inkwell', 'Dry Erase Markers, Low Odor Chisel Tip, Assorted Colors, 12-Pack', [9.99, 15.99]),
      l('Inkwell', 'Chisel Tip Highlighters, Pastel Colors, 12-Pack', [8.99, 13.99]),
      l('Clipright', 'Large Binder Clips, 1 Inch, 60-Pack', [7.99, 12.99]),
      l('Deskform', 'Ergonomic Office Chair, High Back Mesh with Lumbar Support and Adjustable Armrests', [149.99, 279.99], ['Black', 'Gray'], 0.03),
      l('Deskform', 'Electric Standing Desk, 55 x 28 Inch Height Adjustable Sit Stand Desk', [189.99, 329.99], ['Walnut', 'Black', 'White'], 0.03),
      l('Deskform', 'Bamboo Monitor Stand Riser with Storage Drawer', [29.99, 44.99]),
      l('Paperline', 'Copy Paper, 8.5 x 11, 20 lb, 92 Bright, 10 Reams (5000 Sheets)', [44.99, 64.99]),
      l('Paperline', 'Hardcover Dotted Notebook, A5, 160 Pages', [12.99, 19.99], ['Black', 'Navy', 'Sage']),
      l('Labelmax', 'Bluetooth Label Maker Machine with Tape, Portable Label Printer', [29.99, 49.99]),
      l('Labelmax', '4x6 Thermal Shipping Label Printer, Direct Thermal', [99.99, 159.99]),
      l('Shredwell', '12-Sheet Cross-Cut Paper Shredder with 5-Gallon Bin', [59.99, 99.99]),
      l('Clipright', 'Heavy Duty Stapler, 100-Sheet Capacity', [24.99, 39.99]),
    ],
  },
  {
    name: 'Tools & Home Improvement',
    rate: 0.03,
    lines: [
      l('Torqmax', '20V Max Cordless Drill Driver Kit, 1/2-Inch with 2 Batteries and Charger', [79.99, 139.99]),
      l('Torqmax', '20V Cordless Impact Driver, Brushless, 1/4-Inch Hex', [89.99, 149.99]),
      l('Torqmax', 'Oscillating Multi-Tool, 3.0A Corded with 32 Accessories', [39.99, 69.99]),
      l('Forgeline', 'Mechanics Tool Set with Case, SAE and Metric, 230-Piece', [89.99, 159.99]),
      l('Forgeline', '16-Foot Tape Measure, Magnetic Hook, Dual-Sided Blade', [12.99, 22.99]),
      l('Forgeline', 'Ratcheting Screwdriver Set, 44-Piece', [24.99, 39.99]),
      t('Brightnest', 'LED Motion Sensor Ceiling Light, 14 Inch', [24.99, 39.99], ['1-Pack', '2-Pack']),
      l('Brightnest', 'Smart Wi-Fi Light Bulbs, A19 Color Changing, 4-Pack', [24.99, 39.99]),
      l('Guardlock', 'Keyless Entry Smart Deadbolt with Fingerprint and Keypad', [99.99, 179.99]),
      l('Levelpro', 'Self-Leveling Cross Line Laser Level, 100 ft with Tripod', [39.99, 79.99]),
      l('Torqmax', '20V Cordless Leaf Blower, Brushless, 2-Speed', [79.99, 129.99]),
      l('Forgeline', 'Adjustable Wrench Set, 6, 8 and 10 Inch, 3-Piece', [19.99, 32.99]),
      t('Brightnest', 'Solar Outdoor Pathway Lights, Waterproof Landscape Lighting', [24.99, 44.99], ['8-Pack', '12-Pack']),
      l('Aquashield', 'Water Leak Detector Alarm, 3-Pack', [19.99, 34.99]),
      t('Stormgrip', 'Heavy Duty Outdoor Extension Cord, 12/3 Gauge', [29.99, 64.99], ['25 ft', '50 ft']),
    ],
  },
  {
    name: 'Automotive',
    rate: 0.045,
    lines: [
      l('Roadguard', 'Dash Cam Front and Rear, 4K/1080P with Night Vision and Parking Mode', [69.99, 129.99]),
      l('Roadguard', 'Portable Jump Starter, 2000A Peak, 12V Lithium Battery Booster', [59.99, 109.99]),
      l('Roadguard', 'Bluetooth OBD2 Scanner, Diagnostic Check Engine Code Reader', [19.99, 39.99]),
      l('Tirepro', 'Portable Tire Inflator Air Compressor with Digital Gauge, 150 PSI', [29.99, 59.99]),
      l('Tirepro', 'Digital Tire Pressure Gauge, Backlit, 0-150 PSI', [9.99, 16.99]),
      l('Shinecraft', 'Car Wash Kit with Foam Cannon, Microfiber Towels and Soap, 9-Piece', [39.99, 69.99]),
      l('Shinecraft', 'Ceramic Spray Coating, Hydrophobic Car Wax, 16 fl oz', [14.99, 24.99]),
      l('Drivemate', 'Magnetic Car Phone Mount for Dashboard and Air Vent', [12.99, 24.99]),
      t('Drivemate', 'Back Seat Car Organizer with Tablet Holder and Kick Mat', [15.99, 24.99], ['1-Pack', '2-Pack']),
      l('Allweather', 'All-Weather Floor Mats, Universal Trim-to-Fit, 4-Piece', [29.99, 54.99]),
      l('Shinecraft', 'Interior Detailing Kit with Leather Conditioner and Dash Protectant, 5-Piece', [24.99, 39.99]),
      t('Drivemate', 'Dual USB-C Car Charger, 60W PD Fast Charging Adapter', [12.99, 22.99], ['1-Pack', '2-Pack']),
      l('Roadguard', 'Emergency Roadside Kit with Jumper Cables, Tow Strap and First Aid, 68-Piece', [39.99, 59.99]),
      l('Clearview', 'Beam Windshield Wiper Blades, 26 Inch and 16 Inch Set', [19.99, 34.99]),
    ],
  },
  {
    name: 'Books',
    rate: 0.045,
    titleStyle: 'book',
    lines: [
      t('Elena Marsh', 'The Lantern Keeper: A Novel', [12.99, 27.99], ['Paperback', 'Hardcover']),
      t('Daniel Okafor', 'Small Habits, Big Results: The Science of Lasting Change', [14.99, 27.99], ['Paperback', 'Hardcover']),
      l('Priya Raman', 'Weeknight Vegetarian: 120 Simple Recipes for Busy Cooks', [19.99, 29.99], ['Hardcover']),
      t('Marcus Hale', 'The Quiet Frontier: A Thriller', [9.99, 16.99], ['Mass Market Paperback', 'Paperback']),
      l('Sofia Lindqvist', 'Money Made Simple: A Practical Guide to Investing for Beginners', [15.99, 24.99], ['Paperback']),
      l('Hannah Cole', 'Goodnight, Little Fox', [6.99, 9.99], ['Board Book']),
      l('Theo Brandt', 'Learning TypeScript the Practical Way: Build Real Applications', [34.99, 49.99], ['Paperback']),
      t('Grace Whitford', 'The Garden at Wren Hollow: A Novel', [13.99, 26.99], ['Paperback', 'Hardcover']),
      l('James Arden', 'Atlas of Forgotten Empires: An Illustrated History', [29.99, 45.99], ['Hardcover']),
      l('Amara Nwosu', 'Rise and Rest: A 90-Day Mindfulness Journal', [11.99, 16.99], ['Paperback']),
      t('Leo Castellano', 'The Dragon of Emberfall (The Emberfall Saga, Book 1)', [10.99, 24.99], ['Paperback', 'Hardcover']),
      l('Ruth Calloway', 'The Weekend Gardener: Grow More with Less Work', [16.99, 24.99], ['Paperback']),
      l('Nora Ashby', 'Sketching for Absolute Beginners: A Step-by-Step Guide', [12.99, 19.99], ['Paperback']),
    ],
  },
  {
    name: 'Baby',
    rate: 0.03,
    lines: [
      l('Nestling', 'Video Baby Monitor with Camera and Audio, 5 Inch Screen, Night Vision, 1000 ft Range', [59.99, 119.99]),
      l('Nestling', '3-in-1 Convertible Car Seat, Rear and Forward Facing', [149.99, 249.99]),
      l('Nestling', 'Portable Sound Machine for Baby with Night Light', [19.99, 29.99]),
      l('Softsprout', 'Organic Cotton Muslin Swaddle Blankets, 4-Pack', [24.99, 39.99], ['Neutral Animals', 'Botanical']),
      l('Softsprout', 'Short Sleeve Baby Bodysuits, 5-Pack', [14.99, 24.99], ['0-3 Months', '3-6 Months', '6-12 Months']),
      l('Tinysteps', 'Lightweight Compact Stroller, One-Hand Fold, Travel System Compatible', [129.99, 229.99]),
      l('Tinysteps', 'Baby Play Gym and Activity Mat with 6 Toys', [39.99, 69.99]),
      l('Tinysteps', 'Silicone Suction Plates and Bowls Set with Spoons', [14.99, 24.99]),
      l('Milkway', 'Anti-Colic Baby Bottles, 9 oz, 4-Pack', [19.99, 29.99]),
      l('Milkway', '5-in-1 Electric Bottle Sterilizer and Dryer', [69.99, 99.99]),
      t('Cloudnap', 'Overnight Diapers, 156 Count', [39.99, 54.99], ['Size 1', 'Size 3', 'Size 4']),
      l('Cloudnap', 'Unscented Baby Wipes, 99% Water, 12 Packs of 72', [19.99, 29.99]),
    ],
  },
  {
    name: 'Clothing, Shoes & Jewelry',
    rate: 0.04,
    lines: [
      l('Stridewell', "Men's Lightweight Running Shoes, Breathable Mesh Athletic Sneakers", [49.99, 89.99], ['Black', 'Gray', 'Navy']),
      l('Stridewell', "Women's Slip-On Walking Shoes, Cloud Comfort Memory Foam", [44.99, 79.99], ['White', 'Blush']),
      l('Northpeak', "Men's Packable Puffer Jacket, Water-Resistant", [59.99, 99.99], ['Black', 'Olive']),
      l('Northpeak', "Women's Full-Zip Polar Fleece Jacket", [34.99, 54.99]),
      l('Basicloom', "Men's Crew Neck Cotton T-Shirts, 6-Pack", [22.99, 34.99]),
      l('Basicloom', "Women's High Waist Yoga Leggings with Pockets", [19.99, 29.99], ['Black', 'Charcoal', 'Navy']),
      l('Basicloom', "Men's Cushioned Athletic Ankle Socks, 12 Pairs", [14.99, 22.99]),
      l('Northpeak', "Women's Waterproof Rain Jacket with Hood, Lightweight", [39.99, 69.99], ['Black', 'Sage', 'Navy']),
      l('Carryall', 'Carry-On Luggage, 22 Inch Hardside Spinner', [79.99, 149.99]),
      l('Lumina Jewels', 'Sterling Silver Cubic Zirconia Stud Earrings', [19.99, 39.99]),
      l('Timecraft', "Men's Minimalist Analog Watch with Leather Strap", [49.99, 99.99]),
      l('Carryall', 'Anti-Theft Laptop Backpack with USB Charging Port, Water Resistant', [29.99, 49.99]),
    ],
  },
];

const ASIN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const IMAGE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const usedAsins = new Set<string>();

function newAsin(): string {
  for (;;) {
    let asin = 'B0';
    for (let i = 0; i < 8; i++) asin += pick([...ASIN_CHARS]);
    if (!usedAsins.has(asin)) {
      usedAsins.add(asin);
      return asin;
    }
  }
}

/** Amazon image ids are typically "61"/"71"/"81" + 8 chars + "L" (11 chars). */
function imageUrl(): string {
  let id = pick(['51', '61', '71', '81']);
  for (let i = 0; i < 8; i++) id += pick([...IMAGE_CHARS]);
  return `https://m.media-amazon.com/images/I/${id}L._AC_SL1500_.jpg`;
}

/** Retail prices cluster on charm endings; luxury lines use whole dollars. */
function price([lo, hi]: [number, number], tier?: { index: number; of: number }): number {
  const span = (hi - lo) / (tier?.of ?? 1);
  const raw = lo + span * ((tier?.index ?? 0) + random());
  const wholeDollars = Number.isInteger(lo) && Number.isInteger(hi);
  if (wholeDollars) return Math.round(raw);
  const ending = pick([0.99, 0.99, 0.99, 0.95, 0.49]);
  return Number(clamp(Math.floor(raw) + ending, lo, hi).toFixed(2));
}

/**
 * Popularity drives review count and sales rank together (popular items have
 * many reviews and a low rank), with noise so the two signals disagree sometimes:
 * that disagreement is what makes ranking non-trivial.
 */
function engagement(): { rating: number; reviewCount: number; salesRank: number } {
  const popularity = random();
  const reviewCount = Math.round(12 * Math.pow(150_000 / 12, clamp(popularity + (random() - 0.5) * 0.25, 0, 1)));
  const rankPosition = clamp(1 - popularity + (random() - 0.5) * 0.35, 0, 1);
  // The power < 1 pulls ranks away from the top: most items sit in the thousands.
  const salesRank = Math.max(1, Math.round(Math.pow(500_000, Math.pow(rankPosition, 0.6))));
  // Skewed towards 4.x like real listings; low-review items vary more.
  const spread = reviewCount < 200 ? 1.7 : 1.2;
  const rating = Number(clamp(4.9 - spread * Math.pow(random(), 1.6), 3.2, 4.9).toFixed(1));
  return { rating, reviewCount, salesRank };
}

function title(category: Category, line: Line, variant: string | undefined): string {
  if (category.titleStyle === 'book') return `${line.name} (${variant ?? 'Paperback'}) by ${line.brand}`;
  return variant ? `${line.brand} ${line.name}, ${variant}` : `${line.brand} ${line.name}`;
}

const products: CatalogProduct[] = [];
for (const category of CATEGORIES) {
  for (const line of category.lines) {
    const variants = line.variants ?? [undefined];
    for (const [index, variant] of variants.entries()) {
      const asin = newAsin();
      const imageCount = random() < 0.6 ? 2 : 1;
      products.push(
        catalogProductSchema.parse({
          asin,
          title: title(category, line, variant),
          brand: line.brand,
          category: category.name,
          price: price(line.price, line.tiered ? { index, of: variants.length } : undefined),
          currency: 'USD',
          commissionRate: line.rate ?? category.rate,
          ...engagement(),
          imageUrls: Array.from({ length: imageCount }, imageUrl),
          detailPageUrl: `https://www.amazon.com/dp/${asin}`,
        }),
      );
    }
  }
}

writeFileSync(OUTPUT, JSON.stringify(products, null, 2) + '\n');
console.log(`Wrote ${products.length} products in ${CATEGORIES.length} categories to ${OUTPUT}`);
