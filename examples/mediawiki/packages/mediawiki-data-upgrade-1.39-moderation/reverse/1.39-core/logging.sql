-- SPDX-License-Identifier: MIT
-- logging back to 1.39-core: the log entries of the extensions (AbuseFilter's filter
-- changes and hits, OATHAuth's) name filters and enrolments 1.39-core does not have.
SELECT *,
       CASE WHEN log_type IN ('abusefilter', 'abusefilterprivatedetails', 'oath')
                 OR (log_type = 'suppress' AND log_action IN ('hide-afl', 'unhide-afl'))
            THEN 'a ' || log_type || '/' || log_action || ' log entry: 1.39-core has neither '
                 || 'AbuseFilter nor OATHAuth, whose tables it names (kept in the export)'
       END AS ferry_conflict
FROM ferry_stage
