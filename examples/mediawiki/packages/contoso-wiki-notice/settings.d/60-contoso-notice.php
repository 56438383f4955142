<?php
# contoso-wiki-notice: a LocalSettings fragment laid over the release by ferry (servicing).
$wgSiteNotice = 'Contoso: this wiki moves to the new intranet on Saturday.';
