<?php
/*
 * mw-scrub-passwords.php: a scrub step of examples/mediawiki (database refresh into a
 * non-production copy). Every account's password but the administrator's is invalidated
 * (an empty hash is MediaWiki's InvalidPassword: no login), pending temporary passwords
 * too; the administrator's password becomes the one configured for the target environment
 * (mediawiki.admin_password in its config.json), so production's never works there.
 * Runs as a MediaWiki maintenance script of the release it came with: ferry runs scrub
 * steps from the release the data comes from (a copy into a development environment on
 * another release is scrubbed by the code that wrote the data).
 */
$IP = dirname( __DIR__ );
require_once "$IP/maintenance/Maintenance.php";

use MediaWiki\MediaWikiServices;

class FerryScrubPasswords extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'Invalidate every password but the administrator\'s, which ' .
			'becomes the target environment\'s own' );
	}

	public function execute() {
		$cfg = json_decode( (string)file_get_contents( getenv( 'FERRY_CONFIG' ) ), true );
		$admin = $cfg['mediawiki']['admin_user'] ?? 'Admin';
		$password = $cfg['mediawiki']['admin_password'] ?? '';
		if ( $password === '' ) {
			$this->fatalError( "config.json has no mediawiki.admin_password: set it with " .
				"'ferry env config {$cfg['environment']} --set mediawiki.admin_password=...'" );
		}
		$dbw = $this->getDB( DB_PRIMARY );
		$dbw->update( 'user',
			[ 'user_password' => '', 'user_newpassword' => '', 'user_newpass_time' => null ],
			[ 'user_name != ' . $dbw->addQuotes( $admin ) ], __METHOD__ );
		$this->output( "passwords invalidated: {$dbw->affectedRows()} accounts\n" );
		$user = MediaWikiServices::getInstance()->getUserFactory()->newFromName( $admin );
		if ( !$user || !$user->isRegistered() ) {
			$this->fatalError( "no administrator account '$admin' in this wiki" );
		}
		$status = $user->changeAuthenticationData( [
			'username' => $admin, 'password' => $password, 'retype' => $password,
		] );
		if ( !$status->isGood() ) {
			$this->fatalError( "cannot set the password of '$admin': " .
				$status->getMessage( false, false, 'en' )->text() );
		}
		$this->output( "password of '$admin' set to the environment's\n" );
	}
}

$maintClass = FerryScrubPasswords::class;
require_once RUN_MAINTENANCE_IF_MAIN;
