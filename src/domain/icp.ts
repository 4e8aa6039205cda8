import { z } from 'zod';
import type { Lead } from './lead.js';
import type { Policy } from './policy.js';

export const IcpFailureSchema = z.object({ rule: z.enum(['minEmployees', 'maxEmployees', 'industries', 'regions']), detail: z.string() });
export type IcpFailure = z.infer<typeof IcpFailureSchema>;
export const IcpResultSchema = z.object({ pass: z.boolean(), failed: z.array(IcpFailureSchema) }).meta({ id: 'IcpResult' });
export type IcpResult = z.infer<typeof IcpResultSchema>;

/** The ICP gate (DESIGN §2.2): every failed rule is listed, however enthusiastic the prospect. */
export function checkIcp(lead: Lead, icp: Policy['icp']): IcpResult {
  const failed: IcpFailure[] = [];
  const employees = lead.company?.employees;
  if (icp.minEmployees !== null && (employees === undefined || employees < icp.minEmployees)) {
    failed.push({ rule: 'minEmployees', detail: `employees ${employees ?? 'unknown'} < minimum ${icp.minEmployees}` });
  }
  if (icp.maxEmployees !== null && employees !== undefined && employees > icp.maxEmployees) {
    failed.push({ rule: 'maxEmployees', detail: `employees ${employees} > maximum ${icp.maxEmployees}` });
  }
  const industry = lead.company?.industry;
  if (icp.industries.length > 0 && (industry === undefined || !icp.industries.includes(industry.toLowerCase()))) {
    failed.push({ rule: 'industries', detail: `industry ${industry ?? 'unknown'} not in ${icp.industries.join(', ')}` });
  }
  const region = lead.company?.region;
  if (icp.regions.length > 0 && (region === undefined || !icp.regions.includes(region.toUpperCase()))) {
    failed.push({ rule: 'regions', detail: `region ${region ?? 'unknown'} not in ${icp.regions.join(', ')}` });
  }
  return { pass: failed.length === 0, failed };
}
