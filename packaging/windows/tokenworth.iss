; Inno Setup 6 script: a per-user installer for the PyInstaller bundle (no admin rights).
; Build the bundle first (dist\Tokenworth, see packaging\README.md), then from the repository:
;     iscc /DAppVersion=0.1.0 packaging\windows\tokenworth.iss
; Output: dist\tokenworth-<version>-windows-x64-setup.exe

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Tokenworth"
#define AppId "io.github.tokenworth.Tokenworth"

[Setup]
; A fixed GUID-like id keeps upgrades and the uninstaller entry stable across versions.
AppId={{8E0B5D7C-3F4A-4C2E-9B61-6A7D2C1E5F30}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Tokenworth developers
AppPublisherURL=https://github.com/tokenworth/tokenworth
AppSupportURL=https://github.com/tokenworth/tokenworth/issues
AppCopyright=MIT licence
VersionInfoVersion={#AppVersion}
; Per user: installs under %LOCALAPPDATA%\Programs, writes HKCU only, never asks for admin.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
; Paths below are relative to the repository root (two folders up from this script).
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=tokenworth-{#AppVersion}-windows-x64-setup
SetupIconFile=packaging\icons\tokenworth.ico
UninstallDisplayIcon={app}\tokenworth-gui.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The journal lives in %LOCALAPPDATA%\Tokenworth and is never touched by (un)installing.
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "dist\Tokenworth\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\tokenworth-gui.exe"; AppUserModelID: "{#AppId}"; Comment: "Was it worth the tokens?"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\tokenworth-gui.exe"; AppUserModelID: "{#AppId}"; Tasks: desktopicon

[Run]
Filename: "{app}\tokenworth-gui.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
