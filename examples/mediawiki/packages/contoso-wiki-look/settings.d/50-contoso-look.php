<?php
# contoso-wiki-look: a LocalSettings fragment laid over the release by ferry (servicing).
$wgDefaultSkin = 'monobook';
$wgAllowUserCss = false;
$wgFooterIcons['poweredby']['contoso'] = [
	'src' => "$wgResourceBasePath/resources/assets/poweredby_mediawiki_88x31.png",
	'url' => 'https://intranet.contoso.example/',
	'alt' => 'Contoso intranet',
];
