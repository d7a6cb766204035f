import { cap, type LangPack } from './pack.js';

/** The English copy of the template writer. Changing a variant's wording? Bump its version in pack.ts. */

function listEn(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export const EN: LangPack = {
  disclosure: 'As an Amazon Associate I earn from qualifying purchases.',
  stars: (score) => `${score} out of 5 stars`,
  reviewCount: (count, over) => (over ? `over ${count} reviews` : `${count} reviews`),
  bookByAuthor: (title, author) => `${title} by ${author}`,
  productRef: (name) => (/^(the|a|an)\s/i.test(name) ? name : `the ${name}`),
  categories: {
    electronics: {
      problems: [
        'Tired of gadgets that quit when you need them most?',
        'Is your tech setup slowing you down?',
        'Still putting up with cheap tech that lets you down?',
      ],
      benefits: [
        "It's built for everyday use, at home or on the go.",
        'It fits right in with the tech you already use.',
        "It's the kind of upgrade you notice every single day.",
      ],
      tags: ['tech', 'gadgets'],
    },
    home: {
      problems: [
        'Want your home to feel a little easier every day?',
        "Tired of kitchen and home gear that doesn't last?",
        'Is everyday housework eating your free time?',
      ],
      benefits: ['It makes everyday routines at home a little easier.', "It's built to hold up to daily use.", 'It looks good in just about any home.'],
      tags: ['homefinds', 'kitchen'],
    },
    beauty: {
      problems: [
        'Is your routine taking too long for the results you get?',
        'Still hunting for a beauty staple that works for you?',
        'Want a self-care routine that feels like a treat?',
      ],
      benefits: [
        'It slips easily into your daily routine.',
        "It's a small step that makes self-care feel special.",
        'Great for a quick morning routine or a slow evening one.',
      ],
      tags: ['beauty', 'selfcare'],
    },
    sports: {
      problems: [
        'Is your gear holding back your workouts or weekend trips?',
        'Tired of gear that gives up halfway through the trail?',
        'Want to stay active without a complicated setup?',
      ],
      benefits: ["It's made for active days, indoors or out.", "It's easy to pack, carry and use.", 'It helps you stick with the things you love doing.'],
      tags: ['fitness', 'outdoors'],
    },
    toys: {
      problems: [
        "Looking for a gift kids won't forget by next week?",
        'Need something to pull everyone away from screens?',
        'Is game night getting a little stale?',
      ],
      benefits: ['It keeps kids and grown-ups busy for hours.', 'It makes an easy, crowd-pleasing gift.', "It's the kind of fun that brings people together."],
      tags: ['toys', 'giftideas'],
    },
    health: {
      problems: [
        'Running out of the basics at the worst possible moment?',
        'Want an easier way to stay on top of your health?',
        'Tired of overpaying for everyday essentials?',
      ],
      benefits: [
        "It's an everyday essential worth keeping on hand.",
        'It takes one more thing off your to-do list.',
        'It fits easily into your daily routine.',
      ],
      tags: ['health', 'essentials'],
    },
    pets: {
      problems: ['Does your pet deserve a little upgrade?', 'Tired of pet gear that falls apart in a week?', 'Want to make daily pet care easier?'],
      benefits: [
        'Your pet gets a little upgrade, and so do you.',
        "It's made to handle everyday wear from pets.",
        'It makes daily pet care quicker and easier.',
      ],
      tags: ['pets', 'petlovers'],
    },
    office: {
      problems: ['Is your desk working against you?', 'Losing time to a messy, uncomfortable workspace?', 'Want a workday that feels a bit more organized?'],
      benefits: [
        'It makes your workspace more comfortable and organized.',
        "It's a small change that helps you stay focused.",
        'Great for home offices, classrooms and dorms.',
      ],
      tags: ['office', 'wfh'],
    },
    tools: {
      problems: [
        'Still putting off that project around the house?',
        'Tired of tools that make simple jobs harder?',
        'Want DIY jobs done faster and with less hassle?',
      ],
      benefits: [
        'It makes weekend projects quicker and less frustrating.',
        "It's built for real work around the house.",
        "It's a solid addition to any toolbox or garage.",
      ],
      tags: ['diy', 'tools'],
    },
    automotive: {
      problems: ['Is your car missing one simple upgrade?', 'Ever been stuck on the road without the right gear?', 'Want every drive to feel a little easier?'],
      benefits: [
        'It makes daily drives and road trips a little easier.',
        "It's the kind of thing you're glad to have in the car.",
        "It's easy to use, even if you're not a car person.",
      ],
      tags: ['cars', 'carcare'],
    },
    books: {
      problems: ["Looking for your next can't-put-it-down read?", 'Stuck in a reading slump?', 'Need a book worth your evening?'],
      benefits: ["It's the kind of book you'll want to talk about.", 'It makes a great gift for any reader.', 'Perfect for a quiet evening or your commute.'],
      tags: ['books', 'booktok'],
    },
    baby: {
      problems: ['New parent and running on no sleep?', 'Want baby days to feel a little calmer?', "Building a baby registry and not sure what's worth it?"],
      benefits: [
        'It makes daily baby care a little easier.',
        "It's designed to be simple to use, even at 3 a.m.",
        "It's a thoughtful pick for a registry or a baby shower.",
      ],
      tags: ['baby', 'parenting'],
    },
    fashion: {
      problems: [
        "Nothing to wear that's comfy and still looks good?",
        'Tired of pieces that look worn out after a few washes?',
        'Want an easy upgrade for your everyday style?',
      ],
      benefits: [
        "It's made for everyday wear and real life.",
        'It goes with pretty much everything you own.',
        "It's an easy way to refresh your everyday look.",
      ],
      tags: ['fashion', 'style'],
    },
    general: {
      problems: [
        'Looking for something that makes everyday life easier?',
        "Tired of buying things that don't live up to the hype?",
        "Want a small upgrade that's actually worth it?",
      ],
      benefits: ["It's a practical pick for everyday life.", 'It gets the job done without any fuss.', "It's a small upgrade that's easy to love."],
      tags: ['musthaves'],
    },
  },
  numbers: { 2: ['Two', 'two'], 3: ['Three', 'three'] },
  ordinals: ['First', 'Second', 'Third', 'And third'],
  intros: [
    (f) => `That's exactly where ${f.ref} come${f.s} in.`,
    (f) => `Meet ${f.ref}, a simple fix for that.`,
    (f) => `${cap(f.ref)} make${f.s} that a whole lot easier.`,
  ],
  proofLines: [
    (f) => (f.rating && f.reviews ? `It's rated ${f.rating} from ${f.reviews}.` : null),
    (f) => (f.rating && f.reviews ? `Shoppers give it ${f.rating} across ${f.reviews}.` : null),
    (f) => (f.rating && !f.reviews ? `Shoppers rate it ${f.rating}.` : null),
    (f) => (!f.rating && f.reviews ? `It has ${f.reviews} on Amazon.` : null),
  ],
  priceLines: [
    (f) => `Right now, it's about ${f.price}, but prices change, so check the link.`,
    (f) => `It's around ${f.price} as I post this, though prices can change.`,
    (f) => `At the time of posting, it costs about ${f.price}, but that can change.`,
  ],
  dealPriceLines: [
    (f) => `Right now, it's about ${f.price}.`,
    (f) => `It's around ${f.price} as I post this.`,
    (f) => `At the time of posting, it's about ${f.price}.`,
  ],
  featureLines: [(_f, x) => `Highlights: ${listEn(x)}.`, (_f, x) => `Key features: ${listEn(x)}.`, (_f, x) => `What stands out: ${listEn(x)}.`],
  dealClosers: ['Prices change often, so check the current price.', "Prices move fast, so check today's price before you buy."],
  socialLines: [
    (f) => (f.manyReviews ? 'Numbers like that are a good sign.' : null),
    (f) => (f.rating && f.manyReviews ? 'People clearly like this one.' : null),
  ],
  reasons: {
    feature: (x) => `it comes with ${listEn(x)}`,
    proof: (f) =>
      f.rating && f.reviews ? `it's rated ${f.rating} from ${f.reviews}` : f.rating ? `shoppers rate it ${f.rating}` : f.reviews ? `it has ${f.reviews}` : null,
    price: (f) => `it's about ${f.price} right now`,
  },
  ctas: [
    'Link in the description if you want to check it out.',
    "Check today's price with the link in the description.",
    "Want one? The link in the description has today's price.",
    'See it for yourself: link in the description.',
  ],
  priceNote: (f) => `Price when posted: ${f.price}. Prices and availability can change.`,
  ratingNote: (f) => (f.rating && f.reviews ? `Rated ${f.rating} (${f.reviews}).` : f.rating ? `Rated ${f.rating}.` : null),
  linkLabel: 'Get it here:',
  bottomLine: 'Bottom line:',
  dealTag: 'deals',
  variants: {
    'problem-solution': {
      hooks: [(f) => f.copy.problems[0], (f) => f.copy.problems[1], (f) => f.copy.problems[2], () => "Here's a small fix for an everyday problem."],
      titles: [(f) => `${f.name}: the fix you've been looking for`, (f) => `How ${f.ref} make${f.s} everyday life easier`],
      summary: [(f) => `A quick look at how ${f.ref} tackle${f.s} an everyday problem.`],
    },
    'top-reasons': { hooks: [], titles: [], summary: [(f) => `A few quick reasons ${f.ref} deserve${f.s} a spot on your list.`] },
    'social-proof': {
      hooks: [
        (f) => (f.manyReviews ? `${cap(f.reviews!)} can't all be wrong.` : null),
        (f) => (f.rating ? `Rated ${f.rating}? Let's see why.` : null),
        (f) => (f.rating ? `Why do shoppers rate ${f.ref} so highly?` : null),
        (f) => (f.manyReviews ? `Thousands of shoppers have weighed in on ${f.ref}.` : null),
        (f) => `${cap(f.is)} ${f.ref} worth the hype? Let's check.`,
      ],
      titles: [
        (f) => (f.reviews ? `${f.name}: ${f.reviews} can't be wrong` : null),
        (f) => (f.rating ? `Why shoppers rate ${f.ref} so highly` : null),
        (f) => `${f.name}: ${f.plural ? 'are they' : 'is it'} worth the hype?`,
      ],
      summary: [
        (f) =>
          f.rating || f.reviews
            ? `Why so many shoppers are happy with ${f.ref}.`
            : `A quick look at ${f.ref} and whether ${f.plural ? "they're" : "it's"} worth it.`,
      ],
    },
    'deal-alert': {
      hooks: [
        (f) => (f.under ? `Deal alert: ${f.ref} for under ${f.under}.` : null),
        (f) => (f.cheap ? `Budget find of the day: ${f.ref}.` : null),
        (f) => (f.under ? `Under ${f.under} and genuinely useful: ${f.ref}.` : null),
        (f) => (f.cheap ? `A find that won't break the bank: ${f.ref}.` : null),
        (f) => (f.pricey ? `Worth the splurge? Here's ${f.ref}.` : null),
        (f) => `Quick price check on ${f.ref}.`,
      ],
      titles: [(f) => (f.under ? `${f.name} for under ${f.under}` : null), (f) => `Deal alert: ${f.name}`],
      summary: [(f) => (f.cheap ? `A budget-friendly find: ${f.ref}.` : `A quick price check on ${f.ref}.`)],
    },
  },
  reasonHooks: [
    (f, [N]) => `${N} reasons ${f.ref} ${f.is} worth a look.`,
    (f, [, n]) => `Here are ${n} reasons to consider ${f.ref}.`,
    (f, [N]) => `${N} reasons I'd put ${f.ref} in my cart.`,
    (f, [, n]) => `Thinking about ${f.ref}? Here are ${n} reasons to go for it.`,
  ],
  reasonTitles: [(f, n) => `${n} reasons to get ${f.ref}`, (f, n) => `${n} reasons ${f.ref} ${f.is} worth it`],
};
