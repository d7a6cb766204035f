import { cap, type LangPack } from './pack.js';

/** The Spanish copy of the template writer. Changing a variant's wording? Bump its version in pack.ts. */

export const ES: LangPack = {
  disclosure: 'Como afiliado de Amazon, gano con las compras que cumplan los requisitos.',
  stars: (score) => `${score} de 5 estrellas`,
  reviewCount: (count, over) => (over ? `más de ${count} reseñas` : `${count} reseñas`),
  bookByAuthor: (title, author) => `${title} de ${author}`,
  productRef: (name) => name,
  categories: {
    electronics: {
      problems: [
        '¿Cansado de aparatos que fallan justo cuando más los necesitas?',
        '¿Tu equipo tecnológico te está frenando?',
        '¿Sigues aguantando tecnología barata que te falla?',
      ],
      benefits: [
        'Está pensado para el día a día, en casa o de viaje.',
        'Se integra sin problemas con la tecnología que ya usas.',
        'Es una mejora que notarás todos los días.',
      ],
      tags: ['tecnologia', 'gadgets'],
    },
    home: {
      problems: [
        '¿Quieres que tu casa sea un poco más fácil de llevar?',
        '¿Cansado de cosas para la cocina y el hogar que no duran?',
        '¿Las tareas de la casa se comen tu tiempo libre?',
      ],
      benefits: ['Hace que la rutina en casa sea un poco más fácil.', 'Está hecho para aguantar el uso diario.', 'Queda bien y se gana su lugar en tu casa.'],
      tags: ['hogar', 'cocina'],
    },
    beauty: {
      problems: [
        '¿Tu rutina te lleva demasiado tiempo para los resultados que ves?',
        '¿Sigues buscando un básico de belleza que te funcione?',
        '¿Quieres una rutina de cuidado personal que sea un capricho?',
      ],
      benefits: [
        'Encaja fácilmente en tu rutina diaria.',
        'Es un pequeño paso que hace especial tu cuidado personal.',
        'Ideal para una rutina rápida por la mañana o una tranquila por la noche.',
      ],
      tags: ['belleza', 'cuidadopersonal'],
    },
    sports: {
      problems: [
        '¿Tu equipo frena tus entrenamientos o tus escapadas?',
        '¿Cansado de equipo que se rinde a mitad de camino?',
        '¿Quieres mantenerte activo sin complicarte?',
      ],
      benefits: [
        'Está hecho para días activos, dentro o fuera de casa.',
        'Es fácil de guardar, llevar y usar.',
        'Te ayuda a ser constante con lo que te gusta hacer.',
      ],
      tags: ['deporte', 'airelibre'],
    },
    toys: {
      problems: [
        '¿Buscas un regalo que los niños no olviden en una semana?',
        '¿Necesitas algo que aleje a todos de las pantallas?',
        '¿Las noches de juegos se han vuelto aburridas?',
      ],
      benefits: ['Entretiene a niños y adultos durante horas.', 'Es un regalo fácil que siempre triunfa.', 'Es el tipo de diversión que une a la gente.'],
      tags: ['juguetes', 'ideasderegalo'],
    },
    health: {
      problems: [
        '¿Te quedas sin lo básico en el peor momento?',
        '¿Quieres una forma más fácil de cuidar tu salud?',
        '¿Cansado de pagar de más por lo esencial del día a día?',
      ],
      benefits: ['Es un básico que conviene tener siempre en casa.', 'Es una cosa menos en tu lista de pendientes.', 'Encaja fácilmente en tu rutina diaria.'],
      tags: ['salud', 'esenciales'],
    },
    pets: {
      problems: [
        '¿Tu mascota se merece una pequeña mejora?',
        '¿Cansado de accesorios para mascotas que se rompen enseguida?',
        '¿Quieres que cuidar a tu mascota sea más fácil?',
      ],
      benefits: [
        'Es una ventaja para tu mascota y también para ti.',
        'Está hecho para aguantar el trote diario de las mascotas.',
        'Hace que el cuidado diario sea más rápido y sencillo.',
      ],
      tags: ['mascotas', 'petlovers'],
    },
    office: {
      problems: ['¿Tu escritorio juega en tu contra?', '¿Pierdes tiempo en un espacio de trabajo desordenado?', '¿Quieres una jornada un poco más organizada?'],
      benefits: [
        'Hace tu espacio de trabajo más cómodo y ordenado.',
        'Es un pequeño cambio que te ayuda a concentrarte.',
        'Ideal para la oficina en casa, la escuela o la universidad.',
      ],
      tags: ['oficina', 'teletrabajo'],
    },
    tools: {
      problems: [
        '¿Sigues aplazando ese arreglo en casa?',
        '¿Cansado de herramientas que complican los trabajos sencillos?',
        '¿Quieres terminar tus proyectos en casa más rápido?',
      ],
      benefits: [
        'Hace los proyectos del fin de semana más rápidos y llevaderos.',
        'Está hecho para trabajos de verdad en casa.',
        'Es un buen añadido para cualquier caja de herramientas.',
      ],
      tags: ['herramientas', 'diy'],
    },
    automotive: {
      problems: [
        '¿A tu auto le falta una mejora sencilla?',
        '¿Alguna vez te quedaste en el camino sin lo necesario?',
        '¿Quieres que cada trayecto sea un poco más fácil?',
      ],
      benefits: [
        'Hace más fáciles los trayectos diarios y los viajes largos.',
        'Es de esas cosas que agradeces tener en el auto.',
        'Es fácil de usar, aunque no seas experto en autos.',
      ],
      tags: ['autos', 'accesoriosauto'],
    },
    books: {
      problems: ['¿Buscas tu próxima lectura de esas que no puedes soltar?', '¿Llevas tiempo sin ganas de leer?', '¿Necesitas un libro que valga la pena?'],
      benefits: [
        'Es de esos libros de los que querrás hablar.',
        'Es un gran regalo para cualquier lector.',
        'Perfecto para una tarde tranquila o para el trayecto al trabajo.',
      ],
      tags: ['libros', 'booktok'],
    },
    baby: {
      problems: [
        '¿Acabas de ser madre o padre y apenas duermes?',
        '¿Quieres que los días con tu bebé sean más tranquilos?',
        '¿Preparas la lista para el bebé y no sabes qué vale la pena?',
      ],
      benefits: [
        'Hace un poco más fácil el cuidado diario del bebé.',
        'Está pensado para usarse fácilmente, incluso de madrugada.',
        'Es un regalo muy acertado para un baby shower.',
      ],
      tags: ['bebe', 'maternidad'],
    },
    fashion: {
      problems: [
        '¿No tienes nada cómodo que además se vea bien?',
        '¿Cansado de prendas que se ven gastadas tras unos lavados?',
        '¿Quieres mejorar tu estilo diario sin complicarte?',
      ],
      benefits: ['Está hecho para el día a día y la vida real.', 'Combina con casi todo lo que ya tienes.', 'Es una forma fácil de renovar tu look diario.'],
      tags: ['moda', 'estilo'],
    },
    general: {
      problems: [
        '¿Buscas algo que te haga la vida diaria más fácil?',
        '¿Cansado de comprar cosas que no están a la altura?',
        '¿Quieres una pequeña mejora que de verdad valga la pena?',
      ],
      benefits: ['Es una opción práctica para el día a día.', 'Cumple su función sin complicaciones.', 'Es una pequeña mejora que se nota.'],
      tags: ['imprescindibles'],
    },
  },
  numbers: { 2: ['Dos', 'dos'], 3: ['Tres', 'tres'] },
  ordinals: ['Primero', 'Segundo', 'Tercero', 'Y tercero'],
  intros: [
    (f) => `Justo para eso está ${f.ref}.`,
    (f) => `Te presento ${f.ref}, una solución sencilla para eso.`,
    (f) => `Con ${f.ref}, todo eso es mucho más fácil.`,
  ],
  proofLines: [
    (f) => (f.rating && f.reviews ? `Tiene una valoración de ${f.rating} con ${f.reviews}.` : null),
    (f) => (f.rating && f.reviews ? `Los compradores le dan ${f.rating} en ${f.reviews}.` : null),
    (f) => (f.rating && !f.reviews ? `Los compradores le dan ${f.rating}.` : null),
    (f) => (!f.rating && f.reviews ? `Acumula ${f.reviews} en Amazon.` : null),
  ],
  priceLines: [
    (f) => `Ahora mismo ronda los ${f.price}, pero los precios cambian, así que revisa el enlace.`,
    (f) => `Al publicar esto cuesta unos ${f.price}, aunque el precio puede cambiar.`,
    (f) => `En este momento ronda los ${f.price}, pero eso puede cambiar.`,
  ],
  dealPriceLines: [
    (f) => `Ahora mismo ronda los ${f.price}.`,
    (f) => `Al publicar esto, cuesta unos ${f.price}.`,
    (f) => `En este momento, su precio ronda los ${f.price}.`,
  ],
  featureLines: [],
  dealClosers: ['Los precios cambian a menudo, así que revisa el precio actual.', 'Los precios cambian rápido: mira el precio de hoy antes de comprar.'],
  socialLines: [(f) => (f.manyReviews ? 'Cifras así son buena señal.' : null), (f) => (f.rating && f.manyReviews ? 'Está claro que gusta.' : null)],
  reasons: {
    feature: () => '',
    proof: (f) =>
      f.rating && f.reviews
        ? `tiene una valoración de ${f.rating} con ${f.reviews}`
        : f.rating
          ? `los compradores le dan ${f.rating}`
          : f.reviews
            ? `acumula ${f.reviews}`
            : null,
    price: (f) => `ahora mismo ronda los ${f.price}`,
  },
  ctas: [
    'Enlace en la descripción si quieres echarle un vistazo.',
    'Mira el precio de hoy con el enlace en la descripción.',
    '¿Lo quieres? El enlace en la descripción tiene el precio de hoy.',
    'Compruébalo tú mismo: enlace en la descripción.',
  ],
  priceNote: (f) => `Precio al publicar: ${f.price}. El precio y la disponibilidad pueden cambiar.`,
  ratingNote: (f) => (f.rating && f.reviews ? `Valoración: ${f.rating} (${f.reviews}).` : f.rating ? `Valoración: ${f.rating}.` : null),
  linkLabel: 'Consíguelo aquí:',
  bottomLine: 'En resumen:',
  dealTag: 'ofertas',
  variants: {
    'problem-solution': {
      hooks: [
        (f) => f.copy.problems[0],
        (f) => f.copy.problems[1],
        (f) => f.copy.problems[2],
        () => 'Aquí tienes una solución sencilla para un problema cotidiano.',
      ],
      titles: [(f) => `${f.name}: la solución que buscabas`, (f) => `Así te facilita la vida ${f.ref}`],
      summary: [(f) => `Un vistazo rápido a cómo ${f.ref} resuelve un problema cotidiano.`],
    },
    'top-reasons': { hooks: [], titles: [], summary: [(f) => `Unas cuantas razones rápidas por las que ${f.ref} merece un lugar en tu lista.`] },
    'social-proof': {
      hooks: [
        (f) => (f.manyReviews ? `${cap(f.reviews!)} no pueden estar todas equivocadas.` : null),
        (f) => (f.rating ? `¿${f.rating}? Veamos por qué.` : null),
        (f) => (f.rating ? `¿Por qué los compradores valoran tan bien ${f.ref}?` : null),
        (f) => (f.manyReviews ? `Miles de compradores ya han opinado sobre ${f.ref}.` : null),
        (f) => `¿Vale la pena ${f.ref}? Vamos a verlo.`,
      ],
      titles: [
        (f) => (f.reviews ? `${f.name}: ${f.reviews} lo avalan` : null),
        (f) => (f.rating ? `Por qué ${f.ref} tiene tan buenas valoraciones` : null),
        (f) => `${f.name}: ¿vale la pena?`,
      ],
      summary: [
        (f) => (f.rating || f.reviews ? `Por qué tantos compradores están contentos con ${f.ref}.` : `Un vistazo rápido a ${f.ref} y a si vale la pena.`),
      ],
    },
    'deal-alert': {
      hooks: [
        (f) => (f.under ? `Alerta de oferta: ${f.ref} por menos de ${f.under}.` : null),
        (f) => (f.cheap ? `Hallazgo económico del día: ${f.ref}.` : null),
        (f) => (f.under ? `Por menos de ${f.under} y realmente útil: ${f.ref}.` : null),
        (f) => (f.cheap ? `Un hallazgo que no vacía tu bolsillo: ${f.ref}.` : null),
        (f) => (f.pricey ? `¿Vale la pena el gasto? Aquí tienes ${f.ref}.` : null),
        (f) => `Revisemos rápido el precio de ${f.ref}.`,
      ],
      titles: [(f) => (f.under ? `${f.name} por menos de ${f.under}` : null), (f) => `Alerta de oferta: ${f.name}`],
      summary: [(f) => (f.cheap ? `Un hallazgo económico: ${f.ref}.` : `Un repaso rápido al precio de ${f.ref}.`)],
    },
  },
  reasonHooks: [
    (f, [N]) => `${N} razones por las que ${f.ref} vale la pena.`,
    (f, [, n]) => `Aquí tienes ${n} razones para considerar ${f.ref}.`,
    (f, [N]) => `${N} razones para poner ${f.ref} en tu carrito.`,
    (f, [, n]) => `¿Estás pensando en ${f.ref}? Aquí van ${n} razones para decidirte.`,
  ],
  reasonTitles: [(f, n) => `${n} razones para elegir ${f.ref}`, (f, n) => `${n} motivos por los que ${f.ref} vale la pena`],
};
