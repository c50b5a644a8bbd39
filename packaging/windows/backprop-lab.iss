; Inno Setup 6.3+ script: a per-user Windows installer for Backprop Lab.
;
; Build the bundle first (packaging/backprop-lab.spec -> dist\backprop-lab\), then from the
; repository root:
;     "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\backprop-lab.iss
; Output: dist\backprop-lab-<version>-windows-x64-setup.exe
;
; Installs without administrator rights into %LOCALAPPDATA%\Programs\Backprop Lab, with a
; Start-menu entry, an optional desktop shortcut and an uninstaller (also listed under
; Settings > Apps). An administrator may install for all users with /ALLUSERS.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\backprop-lab"
#endif
#define AppName "Backprop Lab"
#define AppExeName "backprop-lab.exe"

[Setup]
; A fixed AppId lets a newer version upgrade an installed one in place.
AppId={{6E3C8F2A-4B7D-4E59-9A1C-2D8B5F0E7A31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Backprop Lab developers
VersionInfoVersion={#AppVersion}
; Per-user install, no UAC prompt; {autopf} is %LOCALAPPDATA%\Programs in that mode.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=backprop-lab-{#AppVersion}-windows-x64-setup
; Rendered from resources\backprop-lab.svg by packaging\make_icons.py (run by the spec).
SetupIconFile=..\build\icons\backprop-lab.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle's library folder whole, so no stale DLL of an older
; version stays beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Watch a neural network learn by backpropagation"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
