-- The export's first step counts the org's invoices as of the run's start
-- (`SELECT count(*) FROM invoice WHERE created_at <= $1`, the org coming from the RLS
-- policy). With only (organization_id, id) to go on, PostgreSQL read the whole table,
-- every organization's rows included: 0.45 s of a 2.5 s export of 990,000 invoices.
-- This index makes it an index-only scan of the org's own entries (about 0.05 s).
CREATE INDEX invoice_org_created ON invoice (organization_id, created_at);
