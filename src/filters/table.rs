//! The filter table: every filter's name, kind and argument rule, and the
//! checks that turn a `|name:arg` step into a [`Filter`].

use crate::template::{cat, Operand};

/// Every filter passbridge implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Default,
    DefaultIfNone,
    Lower,
    Upper,
    Title,
    FloatFormat,
    Add,
    Abs,
    Append,
    Concat,
    AtLeast,
    AtMost,
    Base64Encode,
    Base64Decode,
    Base64UrlEncode,
    Base64UrlDecode,
    Capfirst,
    Ceil,
    Compact,
    Count,
    FloatAdd,
    Multiply,
    Length,
    First,
    Last,
    Join,
    TruncateChars,
    TruncateWords,
    Cut,
    YesNo,
    Pluralize,
    DivisibleBy,
    Slugify,
    UrlEncode,
    StripTags,
    WordCount,
    Date,
    Slice,
    Escape,
    LineBreaksBr,
    MakeList,
    Center,
    Ljust,
    Rjust,
    GetDigit,
    DictSort,
    DictSortReversed,
    WordWrap,
    StringFormat,
}

/// Whether a filter takes an argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

/// Name, kind and argument rule of every filter (`lookup` is folded into paths
/// by the parser).
const FILTERS: [(&str, Kind, Arg); 50] = [
    ("default", Kind::Default, Arg::Required),
    ("default_if_none", Kind::DefaultIfNone, Arg::Required),
    ("lower", Kind::Lower, Arg::None),
    ("upper", Kind::Upper, Arg::None),
    ("title", Kind::Title, Arg::None),
    ("floatformat", Kind::FloatFormat, Arg::Optional),
    ("add", Kind::Add, Arg::Required),
    ("abs", Kind::Abs, Arg::None),
    ("append", Kind::Append, Arg::Required),
    ("concat", Kind::Concat, Arg::Required),
    ("at_least", Kind::AtLeast, Arg::Required),
    ("at_most", Kind::AtMost, Arg::Required),
    ("base64_encode", Kind::Base64Encode, Arg::None),
    ("base64_decode", Kind::Base64Decode, Arg::None),
    ("base64_url_safe_encode", Kind::Base64UrlEncode, Arg::None),
    ("base64_url_safe_decode", Kind::Base64UrlDecode, Arg::None),
    ("capitalize", Kind::Capfirst, Arg::None),
    ("capfirst", Kind::Capfirst, Arg::None),
    ("ceil", Kind::Ceil, Arg::None),
    ("compact", Kind::Compact, Arg::None),
    ("count", Kind::Count, Arg::None),
    ("floatadd", Kind::FloatAdd, Arg::Required),
    ("multiply", Kind::Multiply, Arg::Required),
    ("length", Kind::Length, Arg::None),
    ("first", Kind::First, Arg::None),
    ("last", Kind::Last, Arg::None),
    ("join", Kind::Join, Arg::Required),
    ("truncatechars", Kind::TruncateChars, Arg::Required),
    ("truncatewords", Kind::TruncateWords, Arg::Required),
    ("cut", Kind::Cut, Arg::Required),
    ("yesno", Kind::YesNo, Arg::Optional),
    ("pluralize", Kind::Pluralize, Arg::Optional),
    ("divisibleby", Kind::DivisibleBy, Arg::Required),
    ("slugify", Kind::Slugify, Arg::None),
    ("urlencode", Kind::UrlEncode, Arg::Optional),
    ("striptags", Kind::StripTags, Arg::None),
    ("wordcount", Kind::WordCount, Arg::None),
    ("date", Kind::Date, Arg::Optional),
    ("slice", Kind::Slice, Arg::Required),
    ("escape", Kind::Escape, Arg::None),
    ("linebreaksbr", Kind::LineBreaksBr, Arg::None),
    ("make_list", Kind::MakeList, Arg::None),
    ("center", Kind::Center, Arg::Required),
    ("ljust", Kind::Ljust, Arg::Required),
    ("rjust", Kind::Rjust, Arg::Required),
    ("get_digit", Kind::GetDigit, Arg::Required),
    ("dictsort", Kind::DictSort, Arg::Required),
    ("dictsortreversed", Kind::DictSortReversed, Arg::Required),
    ("wordwrap", Kind::WordWrap, Arg::Required),
    ("stringformat", Kind::StringFormat, Arg::Required),
];

/// Django's built-in filters that passbridge does not implement (Django 5.2),
/// space-separated.
pub const DJANGO_ONLY: &str = "addslashes escapejs escapeseq filesizeformat force_escape iriencode json_script linebreaks linenumbers phone2numeric pprint random safe safeseq time timesince timeuntil truncatechars_html truncatewords_html unordered_list urlize urlizetrunc";

/// The names passbridge implements, for messages and the README.
pub fn names() -> impl Iterator<Item = &'static str> {
    FILTERS.iter().map(|(n, _, _)| *n).chain(["lookup"])
}

/// One `|filter:arg` step.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub kind: Kind,
    pub arg: Option<Operand>,
}

impl Filter {
    /// Builds a filter from its name and argument; the error says what is wrong.
    pub fn new(name: &str, arg: Option<Operand>) -> Result<Filter, String> {
        let Some((_, kind, rule)) = FILTERS.iter().find(|(n, _, _)| *n == name) else {
            if DJANGO_ONLY.split(' ').any(|n| n == name) {
                return Err(cat(&["unsupported filter '", name, "' (a Django filter passbridge does not implement; see the README for the supported ones)"]));
            }
            return Err(cat(&[
                "unknown filter '",
                name,
                "' (the README lists the supported filters)",
            ]));
        };
        match (rule, &arg) {
            (Arg::Required, None) => Err(cat(&[
                "filter '",
                name,
                "' needs an argument, e.g. ",
                name,
                ":0",
            ])),
            (Arg::None, Some(_)) => Err(cat(&["filter '", name, "' takes no argument"])),
            _ => Ok(Filter { kind: *kind, arg }),
        }
    }
}

/// The name of a filter, for messages.
pub(super) fn name_of(kind: Kind) -> &'static str {
    FILTERS
        .iter()
        .find(|(_, k, _)| *k == kind)
        .map_or("a filter", |(n, _, _)| *n)
}
