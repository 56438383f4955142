<?php
# LocalSettings.php of MediaWiki as ferry runs it (examples/mediawiki). It holds no site
# value of its own: each comes from the config.json ferry writes for the runtime
# ($FERRY_CONFIG: port, url, database, state_dir) and from the release's
# ferry-release.json (release id, extensions, skins). The fragments in settings.d/*.php
# (the release's own and those customization packages lay over it) are read last, in name
# order. Nothing MediaWiki writes goes into the release tree or beside ferry's database:
# caches, sessions, locks and the secret key live in <state_dir>/mediawiki.
if ( !defined( 'MEDIAWIKI' ) ) {
	exit;
}

$ferryConfigFile = getenv( 'FERRY_CONFIG' );
if ( !$ferryConfigFile || !is_readable( $ferryConfigFile ) ) {
	throw new RuntimeException( 'FERRY_CONFIG does not name a readable config.json: ' .
		'this MediaWiki is run by ferry (ferry env start), which sets it' );
}
$ferryConfig = json_decode( file_get_contents( $ferryConfigFile ), true );
$ferryRelease = json_decode( file_get_contents( __DIR__ . '/ferry-release.json' ), true );
if ( !is_array( $ferryConfig ) || !is_array( $ferryRelease ) ) {
	throw new RuntimeException( "cannot parse $ferryConfigFile or ferry-release.json" );
}
if ( preg_match( '#^postgres(ql)?://#', $ferryConfig['database'] ) ) {
	throw new RuntimeException( 'this MediaWiki package keeps its data in SQLite: deploy ' .
		'the environment without --db postgresql://...' );
}
# The application's own settings: `ferry env config ENV --set mediawiki.KEY=VALUE`.
$ferryApp = $ferryConfig['mediawiki'] ?? [];
$ferryState = $ferryConfig['state_dir'] . '/mediawiki';
if ( !is_dir( $ferryState ) ) {
	@mkdir( $ferryState, 0700, true );
}

$wgSitename = $ferryApp['sitename'] ?? 'Ferry Wiki';
$wgMetaNamespace = 'Project';
$wgServer = $ferryConfig['url'];
$wgCanonicalServer = $ferryConfig['url'];
$wgScriptPath = '';
$wgArticlePath = '/index.php/$1';
$wgResourceBasePath = $wgScriptPath;
$wgLanguageCode = 'en';
$wgLocaltimezone = 'UTC';

# The database: the file ferry manages (restore points, copies, refresh), nothing beside it.
$wgDBtype = 'sqlite';
$wgDBname = 'wiki';
$wgDBprefix = '';
$wgSQLiteDataDir = $ferryState;
$wgDBservers = [ [
	'type' => 'sqlite', 'host' => '', 'user' => '', 'password' => '',
	'dbname' => $wgDBname, 'tablePrefix' => '', 'load' => 1, 'flags' => DBO_DEFAULT,
	'dbFilePath' => $ferryConfig['database'], 'dbDirectory' => $ferryState,
] ];

# Caches and sessions: a SQLite file of the runtime's state directory, emptied by
# bin/mw-serve at every start (ferry may have swapped, refreshed or restored the database
# underneath), so the application database holds application data only.
$wgObjectCaches[CACHE_DB] = [
	'class' => SqlBagOStuff::class,
	'loggroup' => 'SQLBagOStuff',
	'server' => [
		'type' => 'sqlite', 'dbname' => 'objectcache', 'tablePrefix' => '',
		'variables' => [ 'synchronous' => 'NORMAL' ], 'dbDirectory' => $ferryState,
		'trxMode' => 'IMMEDIATE', 'flags' => 0,
	],
];
$wgMainCacheType = CACHE_NONE;
$wgParserCacheType = CACHE_DB;
$wgSessionCacheType = CACHE_DB;
$wgMessageCacheType = CACHE_DB;
$wgCacheDirectory = "$ferryState/cache";        # localisation cache (CDB files)
$wgResourceLoaderUseObjectCacheForDeps = true;  # not the module_deps table

# The secret key: one per runtime, made on first use.
$ferrySecretFile = "$ferryState/secret-key";
if ( !is_file( $ferrySecretFile ) ) {
	$ferryTmp = "$ferrySecretFile." . getmypid();
	file_put_contents( $ferryTmp, bin2hex( random_bytes( 32 ) ) );
	chmod( $ferryTmp, 0600 );
	@link( $ferryTmp, $ferrySecretFile );   # the first writer wins
	unlink( $ferryTmp );
}
$wgSecretKey = trim( file_get_contents( $ferrySecretFile ) );

# Jobs run by an operator or a timer (maintenance/runJobs.php), never inside requests.
$wgJobRunRate = 0;
$wgEnableEmail = (bool)( $ferryApp['email'] ?? false );
$wgEnableUserEmail = $wgEnableEmail;
$wgEnableUploads = false;
$wgUseInstantCommons = false;
$wgPingback = false;
$wgDiff3 = '';
$wgShowExceptionDetails = true;
# What went wrong, kept: exceptions, fatal errors and the warnings of the database, cache,
# session and localisation layers (a failed request says why), one file per runtime.
$ferryErrorLog = "$ferryState/errors.log";
$wgDBerrorLog = $ferryErrorLog;
foreach ( [ 'exception', 'error', 'fatal', 'DBQuery', 'DBConnection', 'DBReplication',
	'SQLBagOStuff', 'objectcache', 'session', 'localisation', 'MessageCache', 'ParserCache',
	'resourceloader' ] as $ferryChannel ) {
	$wgDebugLogGroups[$ferryChannel] = [ 'destination' => $ferryErrorLog, 'level' => 'warning' ];
}
$wgRightsPage = '';
$wgRightsUrl = '';
$wgRightsText = '';
$wgRightsIcon = '';

$wgDefaultSkin = $ferryRelease['default_skin'] ?? 'vector';
foreach ( $ferryRelease['skins'] ?? [] as $ferrySkin ) {
	wfLoadSkin( $ferrySkin );
}
foreach ( $ferryRelease['extensions'] ?? [] as $ferryExtension ) {
	wfLoadExtension( $ferryExtension );
}
foreach ( glob( __DIR__ . '/settings.d/*.php' ) ?: [] as $ferryFragment ) {
	require $ferryFragment;
}
