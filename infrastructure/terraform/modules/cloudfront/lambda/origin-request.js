'use strict';
// Lambda@Edge, origin request: send each viewer to the region that serves its part of the world,
// by the CloudFront-Viewer-Country (and, in the US, -Region) headers. The origin is rewritten from
// origin.<domain> to <region>.origin.<domain>; Route 53 fails that name over to the nearest healthy
// region when the chosen one is down (modules/route53_failover), so routing never pins a dead region.
// Lambda@Edge has no environment variables: everything is derived from the request.

const EUROPE_AFRICA_MIDDLE_EAST = new Set(('AD AE AL AM AT AZ BA BE BG BH BY CH CY CZ DE DK DZ EE EG ES FI FO FR ' +
  'GB GE GG GI GR HR HU IE IL IM IQ IR IS IT JE JO KW LB LI LT LU LV LY MA MC MD ME MK MT NL NO OM PL PS PT QA ' +
  'RO RS RU SA SE SI SK SM SY TN TR UA VA YE AO BF BI BJ BW CD CF CG CI CM CV DJ ER ET GA GH GM GN GQ GW KE KM ' +
  'LR LS MG ML MR MU MW MZ NA NE NG RW SC SD SL SN SO SS ST SZ TD TG TZ UG ZA ZM ZW').split(' '));
const ASIA_PACIFIC = new Set(('AF AU BD BN BT CN FJ HK ID IN JP KG KH KR KZ LA LK MM MN MO MV MY NP NZ PG PH PK ' +
  'SG SB TH TJ TL TM TW UZ VN VU WS TO KI FM MH NR PW').split(' '));
// US states (and Canadian provinces) closer to Oregon than to Virginia.
const NORTH_AMERICA_WEST = new Set(('AK AZ CA CO HI ID MT NM NV OR UT WA WY AB BC YT NT').split(' '));

function regionFor(country, subdivision) {
  if (EUROPE_AFRICA_MIDDLE_EAST.has(country)) return 'eu-west-1';
  if (ASIA_PACIFIC.has(country)) return 'ap-southeast-1';
  if ((country === 'US' || country === 'CA' || country === 'MX') && NORTH_AMERICA_WEST.has(subdivision)) return 'us-west-2';
  return 'us-east-1';
}

const header = (headers, name) => (headers[name] && headers[name][0] ? headers[name][0].value : '');

exports.regionFor = regionFor;

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const custom = request.origin && request.origin.custom;
  if (!custom || !custom.domainName.startsWith('origin.')) return request;
  const region = regionFor(header(request.headers, 'cloudfront-viewer-country').toUpperCase(),
    header(request.headers, 'cloudfront-viewer-country-region').toUpperCase());
  custom.domainName = `${region}.${custom.domainName}`;
  request.headers.host = [{ key: 'Host', value: custom.domainName }];
  return request;
};
