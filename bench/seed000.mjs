// Seed 000's Code-block logic as plain JS, with the fetch replaced by returning
// the request it would send (the same work our dry run does, minus validation
// and encoding). The baseline for bench/code-action.mjs.
export const handler = async (event, profile, context) => {
  const attrs = profile.data.attributes;
  const serial = attrs.external_id;
  if (!serial) {
    return { skipped: true, reason: "no active pass" };
  }
  return {
    dryRun: true,
    request: {
      method: "PATCH",
      url: `https://api.passninja.com/v1/passes/${process.env.PASSNINJA_TEMPLATE_ID}/${serial}`,
      headers: {
        "X-API-KEY": "***",
        "X-ACCOUNT-ID": process.env.PASSNINJA_ACCOUNT_ID,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({
        pass: {
          "points-balance": String(attrs.properties?.loyalty_points ?? 0),
          "loyalty-tier": attrs.properties?.loyalty_tier ?? "Standard",
        },
      }),
    },
  };
};
export default handler;
