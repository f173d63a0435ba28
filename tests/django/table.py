"""The fixed differential table: every tag, operator and Django filter passbridge
supports, rendered by Django and by passbridge (tests/template_django.rs)."""

P = {"email": "ada@example.com", "first_name": "ada", "properties": {
    "points": 1500, "low": 12, "tier": "gold", "name": "rock'n'roll star", "flag": True, "none": None,
    "tags": ["gold", "vip", None], "nums": [3, 1, 2], "obj": {"k": "v"}, "when": "2024-03-05T10:07:09Z",
    "amount": 1234.5678, "html": "<p>Hi <b>there</b></p>", "text": "one two three four",
    "accents": "Crème Brûlée à la carte", "Loyalty Points": 151, "fallback": "fb", "url": "a b/c?d=é"}}
E = {"points": 25, "items": [{"name": "Mug", "qty": 2}, {"name": "Cap", "qty": 1}]}

TEMPLATES = [
    "{% if person.properties.loyalty_points >= 1000 %}Gold{% elif person.properties.loyalty_points >= 500 %}Silver{% else %}Bronze{% endif %}",
    "{% if person.properties.points >= 1000 %}Gold{% elif person.properties.points >= 500 %}Silver{% else %}Bronze{% endif %}",
    "{% if person|lookup:'Loyalty Points' > 150 %}VIP{% elif person|lookup:'Loyalty Points' > 0 %}{{ person|lookup:'Loyalty Points' }}{% else %}join{% endif %}",
    "{% if person.properties.a or person.properties.flag and not person.properties.none %}y{% else %}n{% endif %}",
    "{% if 'vip' in person.properties.tags %}y{% endif %}{% if 'z' not in person.properties.tags %}n{% endif %}",
    "{% if 'k' in person.properties.obj %}k{% endif %}{% if 'ol' in person.properties.tier %}s{% endif %}",
    "{% if person.properties.none is None %}a{% endif %}{% if person.properties.flag is not False %}b{% endif %}{% if person.properties.nope is None %}c{% endif %}",
    "{% if person.properties.points == 1500 %}a{% endif %}{% if person.properties.points != 1500.0 %}b{% endif %}{% if person.properties.tier < 'h' %}c{% endif %}{% if person.properties.low <= 12 %}d{% endif %}{% if person.properties.low > 'a' %}e{% endif %}",
    "{% if not person.properties.tier < 3 %}x{% endif %}{% if 1 in person.properties.points %}y{% endif %}",
    "{% for t in person.properties.tags %}{{ forloop.counter }}{{ forloop.counter0 }}{{ forloop.revcounter }}{{ forloop.revcounter0 }}{{ forloop.first }}{{ forloop.last }}{{ t|default:'-' }};{% endfor %}",
    "{% for i in event.items reversed %}{{ i.name }}x{{ i.qty }}{% for c in i.name %}[{{ forloop.parentloop.counter }}{{ c }}]{% endfor %}{% empty %}none{% endfor %}",
    "{% for i in person.properties.nope %}x{% empty %}empty{% endfor %}{% for n in person.properties.nums %}{{ n|add:1 }}{% endfor %}",
    "a{# comment #}b{% comment %}{{ person|nope }}{% endcomment %}c{% comment 'why' %}x{% endcomment %}",
    "{{ person.properties.tags|length }} {{ person.properties.name|length }} {{ person.properties.nums|first }} {{ person.properties.nums|last }} {{ person.properties.name|first }}",
    "{{ person.properties.tags|join:' / ' }}|{{ person.properties.nums|join:',' }}|{{ person.properties.tier|join:'.' }}",
    "{{ person.properties.name|truncatechars:8 }}|{{ person.properties.text|truncatewords:2 }}|{{ person.properties.text|truncatechars:0 }}|{{ person.properties.text|truncatewords:'x' }}",
    "{{ person.properties.name|cut:'o' }}|{{ person.properties.flag|yesno }}|{{ person.properties.none|yesno:'y,n,m' }}|{{ person.properties.nope|yesno:'y,n' }}",
    "{{ person.properties.low|pluralize }}|{{ person.properties.tags|pluralize:'y,ies' }}|{{ 1|pluralize }}|{{ 'x'|pluralize }}",
    "{{ person.properties.low|divisibleby:3 }}|{{ person.properties.points|divisibleby:7 }}",
    "{{ person.properties.accents|slugify }}|{{ person.properties.name|slugify }}|{{ ' -Hello, World!_ '|slugify }}",
    "{{ person.properties.url|urlencode }}|{{ person.properties.url|urlencode:'' }}|{{ person.properties.html|striptags }}|{{ person.properties.text|wordcount }}",
    "{{ person.properties.when|date }}|{{ person.properties.when|date:'Y-m-d H:i:s' }}|{{ person.properties.when|date:'D, d M Y' }}|{{ person.properties.when|date:'jS F Y, P' }}|{{ person.properties.when|date:'c' }}|{{ person.properties.when|date:'r' }}|{{ person.properties.when|date:'U w W z t L o' }}|{{ person.properties.when|date:'SHORT_DATE_FORMAT' }}",
    "{{ person.properties.name|date:'Y' }}|{{ person.properties.points|date:'Y' }}|{{ '2024-12-31 23:59:59'|date:'N j, Y g:i a A h G f' }}",
    "{{ person.properties.amount|floatformat }}|{{ person.properties.amount|floatformat:2 }}|{{ person.properties.amount|floatformat:'-3' }}|{{ person.properties.amount|floatformat:'2g' }}",
    "{{ person.first_name|capfirst }}|{{ person.first_name|title }}|{{ person.first_name|upper }}|{{ person.properties.tier|lower }}",
    "{{ person.properties.nope|default:'d' }}|{{ person.properties.none|default_if_none:'n' }}|{{ person.properties.nope|default:person.properties.fallback }}|{{ event.points|add:5 }}|{{ 'ab'|add:'cd' }}",
    "{% if person.properties.tags|length > 2 and person.properties.name|length %}long{% endif %}",
    "{% if person.properties.tier == 'gold' %}{% for t in person.properties.tags %}{% if t %}{{ t|upper }}{% if not forloop.last %}, {% endif %}{% endif %}{% endfor %}{% endif %}",
    "{% if person.properties.low|divisibleby:0 %}x{% endif %}",
    "{% for x in person.properties.points %}{% endfor %}",
    "{{ person.properties.obj }}",
    "{% if %}{% endif %}",
    "{% if person.a == %}x{% endif %}",
    "{% if person.a b %}x{% endif %}",
    "{% endif %}",
    "{% if person.a %}x{% else %}y{% else %}z{% endif %}",
    "{% for x in person.a %}",
    "{% if and person.a %}{% endif %}",
    "{{ person.a|nope }}",
]

CASES = [(t, P, E) for t in TEMPLATES]
