-- SPDX-License-Identifier: MIT
-- recentchanges back to 1.39-core: the entries of the extensions' log entries (see
-- logging.sql) stay out with them; edits and page creations go back as they are.
SELECT *,
       CASE WHEN rc_log_type IN ('abusefilter', 'abusefilterprivatedetails', 'oath')
                 OR (rc_log_type = 'suppress' AND rc_log_action IN ('hide-afl', 'unhide-afl'))
            THEN 'the recent change of a ' || rc_log_type || '/' || rc_log_action || ' log entry: '
                 || '1.39-core has neither AbuseFilter nor OATHAuth (kept in the export)'
       END AS ferry_conflict
FROM ferry_stage
