-- contoso-wiki-look post-install: [[contoso:Page]] links to Contoso's intranet.
INSERT INTO interwiki (iw_prefix, iw_url, iw_api, iw_wikiid, iw_local, iw_trans)
VALUES ('contoso', 'https://intranet.contoso.example/wiki/$1', '', '', 0, 0)
ON CONFLICT (iw_prefix) DO UPDATE SET iw_url = excluded.iw_url;
