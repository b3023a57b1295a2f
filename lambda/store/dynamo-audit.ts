/** The audit trail's reads. (Its records are written with each change: `DynamoTable.auditPuts`.) */
import { toAudit, type AuditRecord } from './account-records';
import { AUDIT_SK_PREFIX, userPk } from './keys';
import type { DynamoTable } from './table';

export class DynamoAudit {
  constructor(private readonly table: DynamoTable) {}

  /** A user's audit records, newest first. `cursor` is the `next` of the previous page: an audit sort key. */
  async listAudit(userId: string, limit: number, cursor?: string): Promise<{ records: AuditRecord[]; next?: string }> {
    const page = await this.table.queryPage(userPk(userId), AUDIT_SK_PREFIX, limit, cursor, false);
    return { records: page.items.map(toAudit), ...(page.last ? { next: page.last } : {}) };
  }
}
