# Installs what Kyma Studio's build and tests need on Windows 10/11 and is missing, with winget:
# Rust (rustup, the stable MSVC toolchain), Node.js LTS and ffmpeg; then the UI's npm packages and
# s3s-fs (the image-hosting tests' local S3 server). Safe to run again; quiet when all is there.
#
#   powershell -ExecutionPolicy Bypass -File scripts\install-deps.ps1 [-InstallBuildTools]
#
# Rust on Windows links with Microsoft's C++ Build Tools (MSVC and the Windows SDK). They are
# large and need an administrator, so this script only checks for them unless -InstallBuildTools
# is given. WebView2, the app's web view, is part of Windows 10 (since 2021) and 11; it is
# installed here only if absent.
#Requires -Version 5.1
param([switch]$InstallBuildTools)

$ErrorActionPreference = 'Stop'
Set-Location (Split-Path -Parent $PSScriptRoot)

$S3sFsVersion = '0.14.1'  # as scripts/install-deps.sh (0.17 needs a newer rustc)

function Test-Command([string]$Name) {
  [bool](Get-Command $Name -ErrorAction SilentlyContinue)
}

# What an installer just added to PATH, without opening a new terminal.
function Update-SessionPath {
  $machine = [Environment]::GetEnvironmentVariable('Path', 'Machine')
  $user = [Environment]::GetEnvironmentVariable('Path', 'User')
  $env:Path = "$machine;$user"
}

function Invoke-Checked([string]$What, [scriptblock]$Command) {
  & $Command
  if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

function Install-Winget([string]$Id, [string]$What, [string[]]$Extra = @()) {
  if (-not (Test-Command 'winget')) {
    throw "winget is missing: install 'App Installer' from the Microsoft Store, then run this again."
  }
  Write-Host "Installing $What with winget ($Id)"
  winget install --id $Id --exact --source winget --accept-package-agreements `
    --accept-source-agreements --disable-interactivity @Extra
  # 0x8A15002B: already installed, nothing newer (the PATH of this session was only stale).
  if ($LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne -1978335189) {
    throw "winget could not install $Id (exit code $LASTEXITCODE)"
  }
  Update-SessionPath
}

# The C++ Build Tools: the MSVC linker and the Windows SDK that Rust's MSVC toolchain needs.
$vswhere = Join-Path ${env:ProgramFiles(x86)} 'Microsoft Visual Studio\Installer\vswhere.exe'
$msvc = $null
if (Test-Path $vswhere) {
  $msvc = & $vswhere -latest -products * -requires Microsoft.VisualStudio.Component.VC.Tools.x86.x64 `
    -property installationPath
}
if (-not $msvc -and $InstallBuildTools) {
  Install-Winget 'Microsoft.VisualStudio.2022.BuildTools' 'the Visual Studio 2022 C++ Build Tools' `
    @('--override', '--quiet --wait --add Microsoft.VisualStudio.Workload.VCTools --includeRecommended')
  $msvc = 'installed'
}

# WebView2 (the Evergreen runtime registers itself under EdgeUpdate's clients, per machine or per user).
$webview2 = '{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}'
$webview2Keys = @(
  "HKLM:\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\$webview2",
  "HKLM:\SOFTWARE\Microsoft\EdgeUpdate\Clients\$webview2",
  "HKCU:\Software\Microsoft\EdgeUpdate\Clients\$webview2"
)
if (-not ($webview2Keys | Where-Object { Test-Path $_ })) {
  Install-Winget 'Microsoft.EdgeWebView2Runtime' 'the WebView2 runtime'
}

# Rust, stable, with the lints `make lint` runs elsewhere.
if (-not (Test-Command 'rustup')) {
  Install-Winget 'Rustlang.Rustup' 'Rust (rustup)'
}
if (-not (Test-Command 'cargo')) {
  throw "cargo is not on PATH after installing rustup: open a new terminal and run this again."
}
$toolchains = (& rustup toolchain list) -join "`n"
if ($toolchains -notmatch 'stable') {
  Invoke-Checked 'rustup toolchain install stable' { rustup toolchain install stable }
}
$components = (& rustup component list --installed) -join "`n"
foreach ($component in 'rustfmt', 'clippy') {
  if ($components -notmatch "(?m)^$component") {
    Invoke-Checked "rustup component add $component" { rustup component add $component }
  }
}

# Node.js 20 or newer, with npm.
$nodeMajor = 0
if (Test-Command 'node') { $nodeMajor = [int]((& node --version) -replace '^v(\d+).*', '$1') }
if ($nodeMajor -lt 20) {
  Install-Winget 'OpenJS.NodeJS.LTS' 'Node.js LTS'
}

# ffmpeg and ffprobe: kyma-sim renders real MP4s; the tests probe them.
if (-not (Test-Command 'ffmpeg') -or -not (Test-Command 'ffprobe')) {
  Install-Winget 'Gyan.FFmpeg' 'ffmpeg'
}

# The UI's npm packages, when missing or older than the lock file.
$lock = 'ui\package-lock.json'
$installed = 'ui\node_modules\.package-lock.json'
if (-not (Test-Path $installed) -or (Get-Item $lock).LastWriteTime -gt (Get-Item $installed).LastWriteTime) {
  Write-Host "Installing the UI's npm packages (npm ci)"
  Invoke-Checked 'npm ci' { npm.cmd --prefix ui ci --no-audit --no-fund --loglevel=error }
}

# A real S3-compatible server for the image-hosting tests (without it they are skipped, outside CI).
# Built from source, so it waits for the Build Tools.
if ($msvc -and -not (Test-Command 's3s-fs')) {
  Write-Host "Installing s3s-fs $S3sFsVersion (local S3 server for the image-hosting tests; a few minutes once)"
  Invoke-Checked 'cargo install s3s-fs' {
    cargo install "s3s-fs@$S3sFsVersion" --features binary --locked --quiet
  }
}

if (-not $msvc) {
  Write-Warning ("The Microsoft C++ Build Tools (MSVC and the Windows SDK) are missing, and Rust needs " +
    "them to link. Run this script again with -InstallBuildTools (it asks for an administrator), or " +
    "install the 'Desktop development with C++' workload from Visual Studio's installer.")
  exit 1
}
Write-Host 'Kyma Studio build dependencies: all there.'
