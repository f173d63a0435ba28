//! The pages of profiles: Klaviyo's Get Profiles for Segment / List
//! (`page[size]=100`, following `links.next`), the segment's or list's
//! profile count (for the ETA), and a JSONL file read in pages of 100 lines.

use super::{Source, PREFIX};
use crate::error::{Code, Error};
use crate::http::{encode_segment, HttpRequest, HttpResponse};
use crate::klaviyo::{check, Klaviyo};

/// Profiles per page (Klaviyo's maximum; also the file's page).
pub const PAGE_SIZE: usize = 100;

/// The first page's cursor: the request path (Klaviyo) or line `1` (file).
pub fn first_cursor(source: &Source) -> String {
    match source {
        Source::Segment(id) => format!(
            "/api/segments/{}/profiles?page%5Bsize%5D={PAGE_SIZE}",
            encode_segment(id)
        ),
        Source::List(id) => format!(
            "/api/lists/{}/profiles?page%5Bsize%5D={PAGE_SIZE}",
            encode_segment(id)
        ),
        Source::File(_) => "1".into(),
    }
}

/// The request for the page at `cursor` (a path, or a `links.next` URL).
pub fn page_request(klaviyo: &Klaviyo, cursor: &str) -> HttpRequest {
    klaviyo.get(cursor)
}

/// The request for the profile count (Get Segment / Get List with
/// `additional-fields[…]=profile_count`: 1/s, 15/m; asked once per run).
pub fn count_request(klaviyo: &Klaviyo, source: &Source) -> Option<HttpRequest> {
    let path = match source {
        Source::Segment(id) => format!(
            "/api/segments/{}?additional-fields%5Bsegment%5D=profile_count",
            encode_segment(id)
        ),
        Source::List(id) => format!(
            "/api/lists/{}?additional-fields%5Blist%5D=profile_count",
            encode_segment(id)
        ),
        Source::File(_) => return None,
    };
    Some(klaviyo.get(&path))
}

/// `data.attributes.profile_count`, when the answer has it.
pub fn parse_count(body: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.pointer("/data/attributes/profile_count")?.as_u64()
}

/// One page: each profile's id and its JSON:API form (`{"data": …}`, as the
/// Code action receives a profile), and the next page's cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub profiles: Vec<(String, serde_json::Value)>,
    pub next: Option<String>,
}

/// Reads a 2xx page answer. `Err` for a body that is not Klaviyo's shape, a
/// profile without an id, or a `links.next` to another origin.
pub fn parse_page(klaviyo: &Klaviyo, body: &str) -> Result<Page, Error> {
    let bad = |why: &str| Error::new(Code::Rejected, format!("{PREFIX}Klaviyo's page {why}"));
    let v: serde_json::Value = serde_json::from_str(body).map_err(|_| bad("is not JSON"))?;
    let data = v
        .get("data")
        .and_then(|d| d.as_array())
        .ok_or_else(|| bad("has no data list"))?;
    let mut profiles = Vec::with_capacity(data.len());
    for item in data {
        let id = item
            .get("id")
            .and_then(|i| i.as_str())
            .filter(|i| !i.is_empty() && i.len() <= 64)
            .ok_or_else(|| bad("holds a profile without an id"))?;
        profiles.push((id.to_string(), serde_json::json!({ "data": item })));
    }
    let next = match v.pointer("/links/next") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.is_empty() => None,
        Some(serde_json::Value::String(s)) => {
            // The key goes wherever the cursor points: only to Klaviyo's origin.
            if !same_origin(&klaviyo.base, s) {
                return Err(bad("names a next page on another host"));
            }
            Some(s.clone())
        }
        Some(_) => return Err(bad("has a links.next that is not a URL")),
    };
    Ok(Page { profiles, next })
}

/// True when `url` starts with `base`'s scheme and authority.
fn same_origin(base: &str, url: &str) -> bool {
    let origin_end = |s: &str| -> Option<usize> {
        let start = s.find("://")? + 3;
        Some(s.get(start..)?.find('/').map_or(s.len(), |j| start + j))
    };
    match (origin_end(base), origin_end(url)) {
        (Some(b), Some(u)) => base
            .get(..b)
            .zip(url.get(..u))
            .is_some_and(|(x, y)| x.eq_ignore_ascii_case(y)),
        _ => false,
    }
}

/// Classifies a page (or count) answer: 2xx → the body; 404 → the segment
/// or list does not exist; others as every Klaviyo answer ([`check`]).
pub fn check_page(
    klaviyo: &Klaviyo,
    source: &Source,
    response: &HttpResponse,
    now_ms: f64,
) -> Result<(), Error> {
    if response.status == 404 {
        let what = match source {
            Source::Segment(id) => format!("segment {id}"),
            Source::List(id) => format!("list {id}"),
            Source::File(p) => format!("file {p}"),
        };
        let mut e = Error::new(
            Code::NotFound,
            format!("{}404: Klaviyo has no {what}", crate::klaviyo::PREFIX),
        );
        e.status = Some(404);
        return Err(e);
    }
    check(response, now_ms, &klaviyo.secrets(), Code::Rejected).map(|_| ())
}

/// One line of a `--profiles` file: a JSON:API profile (`{"data": …}`) or a
/// flat person. A blank line is `None` (skipped).
pub fn parse_line(line: &str) -> Result<Option<serde_json::Value>, Error> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|_| Error::invalid_profile("the line is not JSON"))?;
    if !v.is_object() {
        return Err(Error::invalid_profile("the line is not a JSON object"));
    }
    Ok(Some(v))
}
