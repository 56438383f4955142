-- contoso-wiki-notice post-install: [[contosodocs:Page]] links to Contoso's documentation.
INSERT INTO interwiki (iw_prefix, iw_url, iw_api, iw_wikiid, iw_local, iw_trans)
VALUES ('contosodocs', 'https://docs.contoso.example/$1', '', '', 0, 0)
ON CONFLICT (iw_prefix) DO UPDATE SET iw_url = excluded.iw_url;
