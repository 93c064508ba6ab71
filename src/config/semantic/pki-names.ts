/**
 * The certificate name policy at file:line: a declared certificate's `commonName` and `sans`
 * must lie under the cluster domain or be a guest's own address. The pki provider applies the
 * same rule (util/cert-names.ts) when it derives certificates; checking here lets `validate`
 * say so at the offending value instead of a plan failing later.
 */
import { guestAddresses, nameAllowed } from '../../util/cert-names.ts';
import type { CheckContext } from './context.ts';

export function checkCertificateNames(ctx: CheckContext): void {
  const { config } = ctx;
  const domain = config.cluster.domain;
  const addresses = guestAddresses(config.guests);
  config.certificates.forEach((cert, ci) => {
    const names: [string, (string | number)[]][] = [
      [cert.commonName, ['certificates', ci, 'commonName']],
      ...cert.sans.map((san, si): [string, (string | number)[]] => [san, ['certificates', ci, 'sans', si]]),
    ];
    for (const [name, path] of names) {
      if (nameAllowed(name, domain, addresses)) continue;
      ctx.report(
        path,
        'E_CERT_NAME_POLICY',
        `certificate "${cert.name}": ${name} is outside the cluster domain ${domain} and is no guest's address`,
        `the internal CA only issues names under ${domain} (and the guests' own addresses)`,
      );
    }
  });
}
