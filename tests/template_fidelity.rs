//! Django fidelity (issue 20, items 3–12 and the filters added with it): each
//! case is a reproduction from the issue, with the output Django 5.2.8 gives
//! (checked with the pinned Django in .tmp/venv).

use passbridge::Input;
use passbridge::Template;
use serde_json::{json, Value};

fn render_with(tpl: &str, profile: &Value) -> Result<String, String> {
    let input = Input::new(Some(profile), None).map_err(|e| format!("{e:?}"))?;
    let t = Template::parse(tpl)
        .map_err(|e| format!("parse error at {}: {}", e.position, e.message))?;
    t.render(&input)
        .map_err(|e| format!("render error: {}", e.message))
}

fn profile() -> Value {
    json!({"properties": {
        "a": {"k": 1, "n": [1, 2]}, "b": {"n": [1, 2], "k": 1}, "c": {"k": 2},
        "objs": [{"k": 1}, {"k": 2}], "l1": [1, "x"], "l2": [2, null], "t": true,
        "when": "2024-03-05T10:07:09Z", "nums": [1, {"k": [1]}],
        "items": [{"n": "b", "p": 2, "o": {"x": 3}}, {"n": "a", "p": 10, "o": {"x": 1}}, {"n": "c", "p": 2, "o": {"x": 2}}],
        "mixed": [{"p": 1}, {"p": "a"}], "lists": [[2, "b"], [1, "a"], [3, "c"]], "miss": [{"p": 1}, {"q": 2}],
        "nul": [{"p": null}, {"p": 1}], "one": [{"p": null}], "numk": [{"1": "b"}, {"1": "a"}],
        "nl": "a\nb\r\nc\rd",
        "para": "Joe's   house is\tnice and  big and very very far away\n\n  spaced   line here\r\nlast line with a verylongwordthatdoesnotfit end \n", "html": "<a href=\"x\">Tom & Jerry's</a>"
    }})
}

fn render(tpl: &str) -> String {
    render_with(tpl, &profile()).unwrap_or_else(|e| panic!("{tpl}: {e}"))
}

fn parse_error(tpl: &str) -> (usize, String) {
    match Template::parse(tpl) {
        Err(e) => (e.position, e.message),
        Ok(_) => panic!("{tpl}: parsed, Django refuses it"),
    }
}

#[test]
fn item3_tags_that_take_nothing_refuse_words_after_their_name() {
    let cases = [
        (
            "{% if person.a %}x{% else if person.b %}y{% endif %}",
            19,
            "'{% else %}' takes nothing",
        ),
        (
            "{% if person.a %}x{% endif junk %}",
            19,
            "'{% endif %}' takes nothing",
        ),
        (
            "{% if person.a %}x{% else %}y{% endif junk %}",
            30,
            "'{% endif %}' takes nothing",
        ),
        (
            "{% if person.a %}x{% elif person.b %}y{% endif junk %}",
            39,
            "'{% endif %}'",
        ),
        (
            "{% for x in person.l %}x{% empty junk %}y{% endfor %}",
            25,
            "'{% empty %}' takes nothing",
        ),
        (
            "{% if person.a %}x{% else junk %}y{% endif %}",
            19,
            "'{% else %}' takes nothing",
        ),
    ];
    for (tpl, pos, want) in cases {
        let (at, msg) = parse_error(tpl);
        assert!(msg.contains(want), "{tpl}: {msg}");
        assert_eq!(at, pos, "{tpl}: {msg}");
    }
    assert!(
        parse_error("{% if person.a %}x{% else if person.b %}y{% endif %}")
            .1
            .contains("elif")
    );
    // Django accepts words after endfor (and `{% endif %}` with spaces only).
    assert_eq!(
        render("{% for x in person.properties.l1 %}{{ x }}{% endfor junk %}"),
        "1x"
    );
    assert_eq!(render("{% if person.properties.t %}y{%  endif  %}"), "y");
}

#[test]
fn item4_names_starting_with_an_underscore_are_refused() {
    for (tpl, pos) in [
        ("{{ event.var.__dict__ }}", 14),
        ("{{ person._x }}", 11),
        ("{{ person.x|default:person._y }}", 28),
        ("{% if person.a._b %}x{% endif %}", 16),
        ("{% for _x in person.l %}{{ _x }}{% endfor %}", 28),
    ] {
        let (at, msg) = parse_error(tpl);
        assert!(
            msg.contains("may not begin with an underscore"),
            "{tpl}: {msg}"
        );
        assert_eq!(at, pos, "{tpl}");
    }
    // A quoted key is text, not a name: lookup reaches it.
    assert_eq!(
        render_with("{{ person|lookup:'_x' }}", &json!({"_x": "u"})).unwrap(),
        "u"
    );
}

#[test]
fn item9_a_variable_tag_spanning_lines_is_printed_verbatim() {
    assert_eq!(render("a{{ person.email\n}}b"), "a{{ person.email\n}}b");
    assert_eq!(
        render("{{\nperson.email }}{{ 'x' }}"),
        "{{\nperson.email }}x"
    );
    // An unclosed `{{` stays an error.
    assert!(parse_error("{{ person.email").1.contains("unclosed tag"));
}

#[test]
fn item5_floatformat_follows_django_for_every_input() {
    let million = "9".repeat(1_000_001);
    let p = json!({"properties": {"big": million}});
    assert_eq!(
        render_with("{{ person.properties.big|floatformat|length }}", &p).unwrap(),
        "1000001"
    );
    let cases = [
        ("{{ 'inf'|floatformat }}", "inf"),
        ("{{ 'NaN'|floatformat }}", "NaN"),
        ("{{ '-inf'|floatformat:2 }}", "-inf"),
        ("{{ 'nan'|floatformat:'2g' }}", "nan"),
        ("{{ ' Infinity '|floatformat }}", " Infinity "),
        (
            "{{ '1E10000000000000000'|floatformat }}",
            "1E10000000000000000",
        ),
        ("{{ '1e200'|floatformat }}", "1e200"),
        ("{{ '1e200'|floatformat:2 }}", "1e200"),
        ("{{ '1e20'|floatformat }}", "100000000000000000000"),
        ("{{ '1e199'|floatformat|length }}", "200"),
        (
            "{{ '1e99999999999999999999'|floatformat }}",
            "1e99999999999999999999",
        ),
        ("{{ '-1e-1999999999999999998'|floatformat:2 }}", "0.00"),
        (
            "{{ '1e-1999999999999999997'|floatformat:2 }}",
            "1e-1999999999999999997",
        ),
        ("{{ 1234567.5|floatformat:'2gu' }}", "1234567.50"),
        ("{{ 1234567.5|floatformat:'gu' }}", "1234567.5"),
        ("{{ 1234567.5|floatformat:'ug' }}", "1234567.5"),
        ("{{ 1234567.5|floatformat:'u' }}", "1234567.5"),
        ("{{ 1234567.5|floatformat:'g' }}", "1,234,567.5"),
        ("{{ 1234.5678|floatformat:True }}", "1234.6"),
        ("{{ 1234.5678|floatformat:False }}", "1235"),
        ("{{ '١٢٣'|floatformat }}", "123"),
        ("{{ '١٢٣.٥٦'|floatformat:1 }}", "123.6"),
        ("{{ '1_000'|floatformat }}", "1000"),
        ("{{ '1_0.5'|floatformat }}", "10.5"),
        ("{{ ' 1.5 '|floatformat }}", "1.5"),
        ("{{ '1.5e3'|floatformat }}", "1500"),
        ("{{ 'x'|floatformat }}", ""),
        ("{{ 1.5|floatformat:'x' }}", "1.5"),
        ("{{ '١٢٣'|add:1 }}", "124"),
        ("{{ '1_000'|add:1 }}", "1001"),
        ("{{ 1|add:'١٢' }}", "13"),
        ("{{ '1__000'|add:1 }}", ""),
        ("{{ '1_000'|divisibleby:10 }}", "true"),
        ("{{ '١٢'|divisibleby:5 }}", "false"),
        ("{{ 12|divisibleby:'١٢' }}", "true"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn item6_slugify_folds_what_django_folds_with_nfkd() {
    let cases = [
        (
            "{{ 'Nguyễn Thị Minh Khai'|slugify }}",
            "nguyen-thi-minh-khai",
        ),
        ("{{ 'Ștefan Țiriac'|slugify }}", "stefan-tiriac"),
        ("{{ 'Đỗ Văn Hưng'|slugify }}", "o-van-hung"),
        ("{{ 'ǅemal'|slugify }}", "dzemal"),
        ("{{ 'ℌ ① Ⅻ'|slugify }}", "h-1-xii"),
        (
            "{{ 'Ærøskøbing Łódź Œuvre ĳssel ﬁne Ｆｕｌｌ'|slugify }}",
            "rskbing-odz-uvre-ijssel-fine-full",
        ),
        ("{{ '¼ ½ ¾ ² ª º ㎏ ㈱ ﷺ'|slugify }}", "14-12-34-2-a-o-kg"),
        (
            "{{ 'Crème Brûlée à la carte'|slugify }}",
            "creme-brulee-a-la-carte",
        ),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn item7_truncatechars_does_not_count_combining_marks() {
    let cases = [
        ("{{ 'प्रियंका'|truncatechars:6 }}", "प्रियं…"),
        ("{{ 'สุนทรภู่'|truncatechars:4 }}", "สุนท…"),
        ("{{ 'שְׁמוּאֵל'|truncatechars:3 }}", "שְׁמ…"),
        ("{{ 'x\u{301}y\u{301}z'|truncatechars:2 }}", "x\u{301}…"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn item10_striptags_reads_quoted_attributes_as_django() {
    let cases = [
        ("{{ '<a title=\"a > b\">link</a>'|striptags }}", "link"),
        (
            "{{ \"<a title='a > b' x=\\\"c>d\\\">link</a> <b>x</b>\"|striptags }}",
            "link x",
        ),
        ("{{ '<a href=\"x>y>link'|striptags }}", "<a href=\"x>y>link"),
        (
            "{{ '<p>a<br/>b</p><!-- c > d --> e < f'|striptags }}",
            "ab e < f",
        ),
        ("{{ '<<b>>x<</b>>'|striptags }}", "<>x<>"),
        (
            "{{ '<scr<script>ipt>alert(1)</script>'|striptags }}",
            "ipt>alert(1)",
        ),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn item11_date_escapes_and_empty_format_as_django() {
    let cases = [
        ("{{ '2024-03-05'|date:'\\\\Y' }}", "Y"),
        ("{{ '2024-03-05'|date:'\\\\\\\\Y' }}", "\\Y"),
        ("{{ '2024-03-05'|date:'\\\\\\\\\\\\Y' }}", "\\Y"),
        ("{{ '2024-03-05'|date:'\\\\\\\\\\\\\\\\' }}", "\\\\"),
        ("{{ '2024-03-05'|date:'a\\\\' }}", "a.m.\\"),
        (
            "{{ '2024-03-05'|date:'\\\\jS \\\\o\\\\f F' }}",
            "jth of March",
        ),
        ("{{ '2024-03-05'|date:'' }}", "March 5, 2024"),
        ("{{ '2024-03-05'|date:0 }}", "March 5, 2024"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn item12_add_of_two_lists_concatenates() {
    let cases = [
        (
            "{{ person.properties.l1|add:person.properties.l2|join:',' }}",
            "1,x,2,",
        ),
        (
            "{{ person.properties.l1|add:person.properties.l2|length }}",
            "4",
        ),
        ("{{ person.properties.l1|add:'x' }}", ""),
        ("{{ person.properties.l1|add:1 }}", ""),
        (
            "{% for x in person.properties.l2|add:person.properties.l1 %}{{ x }};{% endfor %}",
            "2;;1;x;",
        ),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn item8_objects_compare_by_value() {
    let cases = [
        (
            "{% if person.properties.a == person.properties.b %}eq{% else %}ne{% endif %}",
            "eq",
        ),
        (
            "{% if person.properties.a == person.properties.a %}eq{% else %}ne{% endif %}",
            "eq",
        ),
        (
            "{% if person.properties.a != person.properties.b %}ne{% else %}eq{% endif %}",
            "eq",
        ),
        (
            "{% if person.properties.a == person.properties.c %}eq{% else %}ne{% endif %}",
            "ne",
        ),
        (
            "{% if person.properties.a.n == person.properties.b.n %}eq{% endif %}",
            "eq",
        ),
        (
            "{% if person.properties.c in person.properties.objs %}in{% else %}out{% endif %}",
            "in",
        ),
        (
            "{% if person.properties.a in person.properties.objs %}in{% else %}out{% endif %}",
            "out",
        ),
        (
            "{% if person.properties.c not in person.properties.objs %}out{% else %}in{% endif %}",
            "in",
        ),
        (
            "{% if person.properties.nums.1 in person.properties.nums %}in{% endif %}",
            "in",
        ),
        (
            "{% if person.properties.a == person.properties.l1 %}eq{% else %}ne{% endif %}",
            "ne",
        ),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn filters_added_follow_django() {
    let cases = [
        ("{{ 'abcdef'|slice:':2' }}", "ab"),
        ("{{ 'abcdef'|slice:'2:' }}", "cdef"),
        ("{{ 'abcdef'|slice:'-2:' }}", "ef"),
        ("{{ 'abcdef'|slice:'::-2' }}", "fdb"),
        ("{{ 'abcdef'|slice:'1:-1:2' }}", "bd"),
        ("{{ 'abcdef'|slice:'5:1:-1' }}", "fedc"),
        ("{{ 'abcdef'|slice:'-10:10' }}", "abcdef"),
        ("{{ 'abcdef'|slice:'::0' }}", "abcdef"),
        ("{{ 'abcdef'|slice:'x' }}", "abcdef"),
        ("{{ 'abcdef'|slice:'1:2:3:4' }}", "abcdef"),
        ("{{ 'abcdef'|slice:2 }}", "ab"),
        ("{{ 'héllo'|slice:' 1 : 3 ' }}", "él"),
        ("{{ 12345|slice:':2' }}", "12345"),
        ("{{ person.properties.l1|slice:'1:'|join:',' }}", "x"),
        (
            "{{ person.properties.objs|slice:'::-1'|first|length }}",
            "1",
        ),
        (
            "{% for o in person.properties.objs|slice:':1' %}{{ o.k }}{% endfor %}",
            "1",
        ),
        (
            "{{ person.properties.html|escape }}",
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#x27;s&lt;/a&gt;",
        ),
        ("{{ 12|escape }}", "12"),
        (
            "{{ person.properties.nl|linebreaksbr }}",
            "a<br>b<br>c<br>d",
        ),
        ("{{ 'abc'|make_list|join:'-' }}", "a-b-c"),
        ("{{ 123|make_list|length }}", "3"),
        ("{{ 'héé'|make_list|last }}", "é"),
        ("[{{ 'ab'|center:5 }}]", "[  ab ]"),
        ("[{{ 'ab'|center:6 }}]", "[  ab  ]"),
        ("[{{ 'abc'|center:6 }}]", "[ abc  ]"),
        ("[{{ 'abc'|center:'7' }}]", "[  abc  ]"),
        ("[{{ 'abc'|center:2 }}]", "[abc]"),
        ("[{{ 'é'|ljust:3 }}]", "[é  ]"),
        ("[{{ 'é'|rjust:3 }}]", "[  é]"),
        ("[{{ 7|rjust:3 }}]", "[  7]"),
        ("{{ 123|get_digit:1 }}", "3"),
        ("{{ 123|get_digit:3 }}", "1"),
        ("{{ 123|get_digit:4 }}", "0"),
        ("{{ 123|get_digit:0 }}", "123"),
        ("{{ '123'|get_digit:2 }}", "2"),
        ("{{ 'abc'|get_digit:2 }}", "abc"),
        ("{{ 123|get_digit:'x' }}", "123"),
        ("{{ 12.7|get_digit:1 }}", "2"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
    for tpl in [
        "{{ 'x'|center:70000 }}",
        "{{ 'x'|ljust:70000 }}",
        "{{ 'x'|center:'abc' }}",
        "{{ -123|get_digit:4 }}",
    ] {
        assert!(render_with(tpl, &profile()).is_err(), "{tpl}");
    }
    let big = json!({"properties": {"s": "<".repeat(20_000), "n": "\n".repeat(20_000)}});
    for tpl in [
        "{{ person.properties.s|escape|length }}",
        "{{ person.properties.n|linebreaksbr|length }}",
    ] {
        let e = render_with(tpl, &big).unwrap_err();
        assert!(e.contains("longer than 65536 bytes"), "{tpl}: {e}");
    }
}

#[test]
fn dictsort_follows_django() {
    let cases = [
        (
            "{% for i in person.properties.items|dictsort:'n' %}{{ i.n }}{% endfor %}",
            "abc",
        ),
        (
            "{% for i in person.properties.items|dictsort:'p' %}{{ i.n }}{% endfor %}",
            "bca",
        ),
        (
            "{% for i in person.properties.items|dictsortreversed:'p' %}{{ i.n }}{% endfor %}",
            "abc",
        ),
        (
            "{% for i in person.properties.items|dictsortreversed:'n' %}{{ i.n }}{% endfor %}",
            "cba",
        ),
        (
            "{% for i in person.properties.items|dictsort:'o.x' %}{{ i.n }}{% endfor %}",
            "acb",
        ),
        ("{{ person.properties.mixed|dictsort:'p'|length }}", "0"),
        (
            "{% for i in person.properties.lists|dictsort:0 %}{{ i.1 }}{% endfor %}",
            "abc",
        ),
        (
            "{% for i in person.properties.lists|dictsort:-1 %}{{ i.1 }}{% endfor %}",
            "abc",
        ),
        (
            "{% for i in person.properties.lists|dictsort:'0' %}{{ i.1 }}{% endfor %}",
            "",
        ),
        ("{{ person.properties.miss|dictsort:'p'|length }}", "0"),
        ("{{ person.properties.nul|dictsort:'p'|length }}", "0"),
        ("{{ person.properties.one|dictsort:'p'|length }}", "1"),
        (
            "{% for i in person.properties.numk|dictsort:'1' %}{{ i|lookup:'1' }}{% endfor %}",
            "ab",
        ),
        ("{{ person.properties.items|dictsort:'_n'|length }}", "0"),
        ("{{ 'abc'|dictsort:'n'|length }}", "0"),
        ("{{ 5|dictsort:'n'|length }}", "0"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
    for tpl in [
        "{% for i in person.properties.lists|dictsort:5 %}{% endfor %}",
        "{% for i in person.properties.items|dictsort:0 %}{% endfor %}",
    ] {
        assert!(render_with(tpl, &profile()).is_err(), "{tpl}");
    }
}

#[test]
fn wordwrap_follows_django() {
    let cases = [
        ("{{ person.properties.para|wordwrap:10 }}", "Joe's\nhouse is\nnice and\nbig and\nvery very\nfar away\n\n  spaced\nline here\nlast line\nwith a\nverylongwordthatdoesnotfit\nend\n"),
        ("{{ person.properties.para|wordwrap:1 }}", "Joe's\nhouse\nis\nnice\nand\nbig\nand\nvery\nvery\nfar\naway\n\nspaced\nline\nhere\nlast\nline\nwith\na\nverylongwordthatdoesnotfit\nend\n"),
        ("{{ person.properties.para|wordwrap:30 }}", "Joe's   house is        nice\nand  big and very very far\naway\n\n  spaced   line here\nlast line with a\nverylongwordthatdoesnotfit end\n"),
        ("{{ 'this is a long paragraph of text that really needs to be wrapped I\\'m afraid'|wordwrap:14 }}", "this is a long\nparagraph of\ntext that\nreally needs\nto be wrapped\nI'm afraid"),
        ("{{ ''|wordwrap:0 }}", ""),
        ("{{ '   '|wordwrap:2 }}", "   "),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
    assert!(render_with("{{ 'a'|wordwrap:0 }}", &profile()).is_err());
}

#[test]
fn floatformat_refuses_what_django_raises_on() {
    for tpl in [
        "{{ 1.5|floatformat:'' }}",
        "{{ 1.5|floatformat:None }}",
        "{{ 1.5|floatformat:person.properties.l1 }}",
    ] {
        assert!(render_with(tpl, &profile()).is_err(), "{tpl}");
    }
}

#[test]
fn stringformat_follows_python_percent_formatting() {
    let cases = [
        ("{{ 5|stringformat:'05d' }}", "00005"),
        ("{{ -5|stringformat:'05d' }}", "-0005"),
        ("{{ 3.7|stringformat:'d' }}", "3"),
        ("{{ 5|stringformat:'+d' }}", "+5"),
        ("{{ 5|stringformat:' d' }}", " 5"),
        ("{{ 5|stringformat:'.3d' }}", "005"),
        ("{{ 255|stringformat:'#x' }}", "0xff"),
        ("{{ 255|stringformat:'#010X' }}", "0X000000FF"),
        ("{{ 255|stringformat:'o' }}", "377"),
        ("{{ 3.7|stringformat:'x' }}", ""),
        ("{{ 1234567.891|stringformat:'.2f' }}", "1234567.89"),
        ("{{ 0.125|stringformat:'.2f' }}", "0.12"),
        ("{{ 2.5|stringformat:'.0f' }}", "2"),
        ("{{ 2.5|stringformat:'#.0f' }}", "2."),
        ("{{ -3.7|stringformat:'+08.2f' }}", "-0003.70"),
        ("{{ 1234567.891|stringformat:'e' }}", "1.234568e+06"),
        ("{{ 0.000012345|stringformat:'.2E' }}", "1.23E-05"),
        ("{{ 1e300|stringformat:'g' }}", "1e+300"),
        ("{{ 0.000012345|stringformat:'g' }}", "1.2345e-05"),
        ("{{ 1234567.891|stringformat:'.3g' }}", "1.23e+06"),
        ("{{ 2.5|stringformat:'#g' }}", "2.50000"),
        ("{{ 123456789012|stringformat:'10.4g' }}", " 1.235e+11"),
        ("{{ 'héllo'|stringformat:'.2s' }}", "hé"),
        (
            "[{{ 'abc'|stringformat:'5s' }}][{{ 'abc'|stringformat:'-5s' }}]",
            "[  abc][abc  ]",
        ),
        ("{{ 5|stringformat:'d items' }}", "5 items"),
        ("{{ 5|stringformat:'d%%' }}", "5%"),
        ("{{ 'abc'|stringformat:'d' }}", ""),
        ("{{ 5|stringformat:'s and %s' }}", ""),
        ("{{ 5|stringformat:'%' }}", ""),
        ("{{ 5|stringformat:'' }}", ""),
        ("{{ 5|stringformat:'y' }}", ""),
        ("{{ 5|stringformat:'*d' }}", ""),
        ("{{ 5|stringformat:'ld' }}", "5"),
        ("{{ 2.675|stringformat:'.2f' }}", "2.67"),
        ("{{ 9.9999|stringformat:'.2e' }}", "1.00e+01"),
        ("{{ 0.1|stringformat:'.20f' }}", "0.10000000000000000555"),
        ("{{ 1234567|stringformat:'g' }}", "1.23457e+06"),
        ("{{ 0.0|stringformat:'e' }}", "0.000000e+00"),
        ("{{ 999999.5|stringformat:'.0f' }}", "1000000"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
    for tpl in [
        "{{ 5|stringformat:'r' }}",
        "{{ 5|stringformat:'99999f' }}",
        "{{ person.properties.l1|stringformat:'s' }}",
    ] {
        assert!(render_with(tpl, &profile()).is_err(), "{tpl}");
    }
}
